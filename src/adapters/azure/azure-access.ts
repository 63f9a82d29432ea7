import type { TokenCredential } from '@azure/core-auth';
import type { AzurePort, ClusterInfo, ClusterRef, NodeSnat } from '../../workflow/ports';
import { AksAccess, type AksCluster } from './aks-access';
import { defaultCredential, type AzureAdapterOptions } from './azure-options';
import { SnatMetrics } from './snat-metrics';

/** The `kubernetes` load balancer AKS keeps in the node resource group: where the SNAT metrics are. */
export function loadBalancerId(cluster: Pick<AksCluster, 'subscriptionId' | 'nodeResourceGroup'>): string {
  return `/subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.nodeResourceGroup}/providers/Microsoft.Network/loadBalancers/kubernetes`;
}

/** Azure for the investigation: the cluster, its kubeconfig and its load balancer's SNAT metrics. */
export class AzureAccess implements AzurePort {
  private readonly aks: AksAccess;
  private readonly metrics: SnatMetrics;

  constructor({
    credential = defaultCredential(),
    ...rest
  }: AzureAdapterOptions & { credential?: TokenCredential } = {}) {
    this.aks = new AksAccess({ credential, ...rest });
    this.metrics = new SnatMetrics({ credential, ...rest });
  }

  findCluster(ref: ClusterRef): Promise<AksCluster> {
    return this.aks.findCluster(ref);
  }

  kubeconfig(cluster: ClusterInfo): Promise<string> {
    return this.aks.kubeconfig(cluster);
  }

  async snatUsage(cluster: ClusterInfo): Promise<ReadonlyMap<string, NodeSnat>> {
    const usage = await this.metrics.usage(loadBalancerId(cluster), { nodeCount: cluster.nodeCount });
    return new Map(usage.map(({ ip, ...figures }) => [ip, figures]));
  }
}
