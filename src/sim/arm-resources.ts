import { parseDocument } from 'yaml';
import { stableGuid, type SimArmCluster, type SimArmIds } from './arm-cluster';

/** The Entra ID server application every AKS cluster with managed AAD accepts tokens for. */
export const AKS_AAD_SERVER_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** The Azure CLI's public client, which AKS writes into the kubelogin arguments. */
const AZURE_CLI_CLIENT_ID = '80faf920-1908-4b52-b5ef-a8e7bedfc67a';
const KUBERNETES_VERSION = '1.31.7';

type Json = Record<string, unknown>;

function fqdn(cluster: SimArmCluster, ids: SimArmIds): string {
  return `${cluster.name}-dns-${stableGuid(ids.clusterId).slice(0, 8)}.hcp.${cluster.location}.azmk8s.io`;
}

/** GET managedClusters/{name}: the properties the responder reads, nested as ARM nests them. */
export function managedClusterJson(cluster: SimArmCluster, ids: SimArmIds): Json {
  const { outbound } = cluster;
  return {
    id: ids.clusterId,
    location: cluster.location,
    name: cluster.name,
    type: 'Microsoft.ContainerService/ManagedClusters',
    sku: { name: 'Base', tier: 'Free' },
    identity: {
      type: 'SystemAssigned',
      principalId: stableGuid(`${ids.clusterId}/principal`),
      tenantId: ids.tenantId,
    },
    properties: {
      provisioningState: 'Succeeded',
      powerState: { code: 'Running' },
      kubernetesVersion: KUBERNETES_VERSION,
      currentKubernetesVersion: KUBERNETES_VERSION,
      dnsPrefix: `${cluster.name}-dns`,
      fqdn: fqdn(cluster, ids),
      azurePortalFQDN: `${fqdn(cluster, ids).replace('.hcp.', '.portal.hcp.')}`,
      agentPoolProfiles: [
        {
          name: 'nodepool1',
          count: cluster.nodes.length,
          vmSize: 'Standard_D4s_v5',
          osDiskSizeGB: 128,
          osDiskType: 'Managed',
          maxPods: 250,
          type: 'VirtualMachineScaleSets',
          mode: 'System',
          osType: 'Linux',
          osSKU: 'Ubuntu',
          orchestratorVersion: KUBERNETES_VERSION,
          currentOrchestratorVersion: KUBERNETES_VERSION,
          enableAutoScaling: false,
          provisioningState: 'Succeeded',
          powerState: { code: 'Running' },
        },
      ],
      nodeResourceGroup: ids.nodeResourceGroup,
      enableRBAC: true,
      ...(cluster.aadEnabled
        ? {
            aadProfile: {
              managed: true,
              enableAzureRBAC: true,
              adminGroupObjectIDs: [],
              tenantID: ids.tenantId,
            },
            disableLocalAccounts: true,
          }
        : { disableLocalAccounts: false }),
      networkProfile: {
        networkPlugin: 'azure',
        networkPluginMode: 'overlay',
        podCidr: '10.244.0.0/16',
        serviceCidr: '10.0.0.0/16',
        dnsServiceIP: '10.0.0.10',
        outboundType: outbound.type,
        loadBalancerSku: 'standard',
        loadBalancerProfile: {
          managedOutboundIPs: { count: outbound.managedOutboundIPs },
          effectiveOutboundIPs: ids.outboundIpIds.map((id) => ({ id })),
          allocatedOutboundPorts: outbound.allocatedOutboundPorts,
          idleTimeoutInMinutes: outbound.idleTimeoutMinutes,
          backendPoolType: 'nodeIPConfiguration',
        },
        podCidrs: ['10.244.0.0/16'],
        serviceCidrs: ['10.0.0.0/16'],
        ipFamilies: ['IPv4'],
      },
      maxAgentPools: 100,
    },
  };
}

/** GET loadBalancers/kubernetes in the node resource group: enough of it to be recognisably the real thing. */
export function loadBalancerJson(cluster: SimArmCluster, ids: SimArmIds): Json {
  const lb = ids.loadBalancerId;
  const outboundPool = `${lb}/backendAddressPools/aksOutboundBackendPool`;
  const frontends = ids.outboundIpIds.map((publicIpId) => {
    const name = publicIpId.slice(publicIpId.lastIndexOf('/') + 1);
    return {
      name,
      id: `${lb}/frontendIPConfigurations/${name}`,
      properties: { provisioningState: 'Succeeded', publicIPAddress: { id: publicIpId } },
    };
  });
  return {
    name: 'kubernetes',
    id: lb,
    etag: `W/"${stableGuid(`${lb}/etag`)}"`,
    type: 'Microsoft.Network/loadBalancers',
    location: cluster.location,
    tags: { 'aks-managed-cluster-name': cluster.name, 'aks-managed-cluster-rg': cluster.resourceGroup },
    sku: { name: 'Standard', tier: 'Regional' },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: stableGuid(`${lb}/guid`),
      frontendIPConfigurations: frontends,
      backendAddressPools: [
        {
          name: 'kubernetes',
          id: `${lb}/backendAddressPools/kubernetes`,
          properties: {
            provisioningState: 'Succeeded',
            loadBalancerBackendAddresses: cluster.nodes.map((node) => ({
              name: node.name,
              properties: { ipAddress: node.ip },
            })),
          },
        },
        {
          name: 'aksOutboundBackendPool',
          id: outboundPool,
          properties: {
            provisioningState: 'Succeeded',
            loadBalancerBackendAddresses: cluster.nodes.map((node) => ({
              name: node.name,
              properties: { ipAddress: node.ip },
            })),
          },
        },
      ],
      loadBalancingRules: [],
      probes: [],
      inboundNatRules: [],
      outboundRules: [
        {
          name: 'aksOutboundRule',
          id: `${lb}/outboundRules/aksOutboundRule`,
          properties: {
            provisioningState: 'Succeeded',
            allocatedOutboundPorts: cluster.outbound.allocatedOutboundPorts,
            idleTimeoutInMinutes: cluster.outbound.idleTimeoutMinutes,
            protocol: 'All',
            enableTcpReset: true,
            frontendIPConfigurations: frontends.map((f) => ({ id: f.id })),
            backendAddressPool: { id: outboundPool },
          },
        },
      ],
    },
  };
}

export type KubeconfigFormat = 'exec' | 'azure';

/**
 * The user stanza AKS writes for a managed-AAD cluster. `exec` (kubelogin) is what the service returns
 * by default for current Kubernetes versions; `azure` is the retired in-tree auth provider.
 */
function aadUser(ids: SimArmIds, format: KubeconfigFormat): Json {
  if (format === 'azure') {
    return {
      'auth-provider': {
        name: 'azure',
        config: {
          'apiserver-id': AKS_AAD_SERVER_ID,
          'client-id': AZURE_CLI_CLIENT_ID,
          'config-mode': '1',
          environment: 'AzurePublicCloud',
          'tenant-id': ids.tenantId,
        },
      },
    };
  }
  return {
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      args: [
        'get-token',
        '--environment',
        'AzurePublicCloud',
        '--server-id',
        AKS_AAD_SERVER_ID,
        '--client-id',
        AZURE_CLI_CLIENT_ID,
        '--tenant-id',
        ids.tenantId,
        '--login',
        'devicecode',
      ],
      command: 'kubelogin',
      env: null,
      installHint:
        'kubelogin is not installed which is required to connect to AAD enabled cluster.\n' +
        'To learn more, please go to https://aka.ms/aks/kubelogin\n',
      interactiveMode: 'IfAvailable',
      provideClusterInfo: false,
    },
  };
}

/** The kubeconfig a cluster user gets: the scenario's as is, or for Entra ID every user made an AAD user. */
export function userKubeconfig(cluster: SimArmCluster, ids: SimArmIds, format: KubeconfigFormat): string {
  if (!cluster.aadEnabled) return cluster.kubeconfig;
  const doc = parseDocument(cluster.kubeconfig);
  const users = (doc.toJS() as { users?: unknown } | null)?.users;
  const names = Array.isArray(users)
    ? users.map((u: unknown) => (u as { name?: unknown } | null)?.name).filter((n) => typeof n === 'string')
    : [];
  doc.set(
    'users',
    names.map((name) => ({ name, user: aadUser(ids, format) })),
  );
  return doc.toString();
}

/** POST managedClusters/{name}/listClusterUserCredential. */
export function credentialResultsJson(kubeconfig: string): Json {
  return {
    kubeconfigs: [{ name: 'clusterUser', value: Buffer.from(kubeconfig, 'utf8').toString('base64') }],
  };
}
