import type { TokenCredential } from '@azure/core-auth';
import type { AzurePort, ClusterInfo, ClusterRef, NodeSnat } from '../../workflow/ports';
import { AksAccess, type AksCluster } from './aks-access';
import { defaultCredential, type AzureAdapterOptions } from './azure-options';
import type { SnatMetrics } from './snat-metrics';

/** The `kubernetes` load balancer AKS keeps in the node resource group: where the SNAT metrics are. */
export function loadBalancerId(cluster: Pick<AksCluster, 'subscriptionId' | 'nodeResourceGroup'>): string {
  return `/subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.nodeResourceGroup}/providers/Microsoft.Network/loadBalancers/kubernetes`;
}

/** Azure for the investigation: the cluster, its kubeconfig and its load balancer's SNAT metrics. */
export class AzureAccess implements AzurePort {
  private readonly aks: AksAccess;
  /** Made on first use: @azure/arm-monitor loads while the trace runs, not before the first step. */
  private metrics: Promise<SnatMetrics> | null = null;
  private readonly metricsOptions: AzureAdapterOptions & { credential: TokenCredential };

  constructor({
    credential = defaultCredential(),
    ...rest
  }: AzureAdapterOptions & { credential?: TokenCredential } = {}) {
    this.aks = new AksAccess({ credential, ...rest });
    this.metricsOptions = { credential, ...rest };
  }

  findCluster(ref: ClusterRef): Promise<AksCluster> {
    return this.aks.findCluster(ref);
  }

  kubeconfig(cluster: ClusterInfo): Promise<string> {
    return this.aks.kubeconfig(cluster);
  }

  async snatUsage(cluster: ClusterInfo): Promise<ReadonlyMap<string, NodeSnat>> {
    this.metrics ??= import('./snat-metrics').then(({ SnatMetrics }) => new SnatMetrics(this.metricsOptions));
    const usage = await (await this.metrics).usage(loadBalancerId(cluster), { nodeCount: cluster.nodeCount });
    return new Map(usage.map(({ ip, ...figures }) => [ip, figures]));
  }
}
