import { ContainerServiceClient, type ManagedCluster } from '@azure/arm-containerservice';
import type { TokenCredential } from '@azure/core-auth';
import { NotFoundError } from '../../core/errors';
import type { ClusterRef } from '../../workflow/ports';
import { toAksCluster, type AksCluster } from './aks-cluster';
import {
  clientOptions,
  silentLogger,
  type AzureAdapterOptions,
  type AzureLogger,
  defaultCredential,
} from './azure-options';
import { AzureAuthError, AzureError, azureCall } from './errors';
import { AKS_TOKEN_SCOPE, withBearerToken } from './kubeconfig-token';
import { MANAGED_CLUSTER_TYPE, parseResourceId } from '../../core/resource-id';

export type { AksCluster, AksOutbound } from './aks-cluster';

/** The cluster fields kubeconfig() needs; an AksCluster has them. */
export type ClusterCoordinates = Pick<AksCluster, 'subscriptionId' | 'resourceGroup' | 'name' | 'aadEnabled'>;

/**
 * Managed clusters through @azure/arm-containerservice: finding the cluster and getting a kubeconfig for
 * it, as `az aks show` and `az aks get-credentials` do. The kubeconfig and tokens go back to the caller
 * only; nothing here logs them.
 */
export class AksAccess {
  private readonly credential: TokenCredential;
  private readonly options: AzureAdapterOptions;
  private readonly logger: AzureLogger;
  /** One client per subscription, made on first use. */
  private readonly clients = new Map<string, ContainerServiceClient>();

  constructor({
    credential = defaultCredential(),
    logger = silentLogger,
    ...rest
  }: AzureAdapterOptions = {}) {
    this.credential = credential;
    this.logger = logger;
    this.options = rest;
  }

  private client(subscriptionId: string): ContainerServiceClient {
    let client = this.clients.get(subscriptionId);
    if (client === undefined) {
      client = new ContainerServiceClient(this.credential, subscriptionId, clientOptions(this.options));
      this.clients.set(subscriptionId, client);
    }
    return client;
  }

  /** Throws InputError for a malformed cluster ID, NotFoundError when there is no such cluster. */
  async findCluster(ref: ClusterRef): Promise<AksCluster> {
    if ('clusterId' in ref) {
      const { subscriptionId, resourceGroup, name } = parseResourceId(ref.clusterId, MANAGED_CLUSTER_TYPE);
      const managed = await azureCall(`get managed cluster ${resourceGroup}/${name}`, () =>
        this.client(subscriptionId).managedClusters.get(resourceGroup, name),
      );
      return toAksCluster(managed);
    }
    return toAksCluster(await this.findByNodeResourceGroup(ref.subscriptionId, ref.nodeResourceGroup));
  }

  /** A custom node resource group need not follow MC_<rg>_<name>_<location>, so the match is on the field. */
  private async findByNodeResourceGroup(
    subscriptionId: string,
    nodeResourceGroup: string,
  ): Promise<ManagedCluster> {
    this.logger.debug(`looking for the cluster of node resource group ${nodeResourceGroup}`);
    const wanted = nodeResourceGroup.toLowerCase();
    const found = await azureCall(`list managed clusters in subscription ${subscriptionId}`, async () => {
      for await (const managed of this.client(subscriptionId).managedClusters.list()) {
        if (managed.nodeResourceGroup?.toLowerCase() === wanted) return managed;
      }
      return undefined;
    });
    if (found === undefined) {
      throw new NotFoundError(
        `no managed cluster in subscription ${subscriptionId} has node resource group ${nodeResourceGroup}`,
      );
    }
    return found;
  }

  /**
   * The cluster user's kubeconfig (`az aks get-credentials`). For an Entra ID cluster the kubelogin exec
   * user is replaced by a token for the AKS server application from the credential; a local-account
   * cluster's kubeconfig comes back as the service sent it.
   */
  async kubeconfig(cluster: ClusterCoordinates): Promise<string> {
    const { subscriptionId, resourceGroup, name } = cluster;
    const result = await azureCall(`list user credentials of ${resourceGroup}/${name}`, () =>
      this.client(subscriptionId).managedClusters.listClusterUserCredentials(resourceGroup, name, {
        format: 'exec',
      }),
    );
    const value = result.kubeconfigs?.[0]?.value;
    if (value === undefined) {
      throw new AzureError(
        `list user credentials of ${resourceGroup}/${name} returned no kubeconfig`,
        null,
        null,
      );
    }
    const kubeconfig = Buffer.from(value).toString('utf8');
    if (!cluster.aadEnabled) return kubeconfig;
    const token = await azureCall(`get a token for ${resourceGroup}/${name}`, () =>
      this.credential.getToken(AKS_TOKEN_SCOPE),
    );
    if (token === null) {
      throw new AzureAuthError(`the credential gave no token for ${resourceGroup}/${name}`, null, null);
    }
    return withBearerToken(kubeconfig, token.token);
  }
}
