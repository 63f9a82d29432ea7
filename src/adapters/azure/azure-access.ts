import type { TokenCredential } from '@azure/core-auth';
import type { AzurePort, ClusterInfo, NodeSnat } from '../../workflow/investigate';
import { AksAccess, type AksCluster } from './aks-access';
import { defaultCredential, type AzureAdapterOptions } from './azure-options';
import { SnatMetrics } from './snat-metrics';

/** The AKS cluster as the workflow sees it, plus what the adapters need to come back to it. */
interface AzureCluster extends ClusterInfo {
  readonly aks: AksCluster;
}

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

  async findCluster(clusterId: string): Promise<AzureCluster> {
    const aks = await this.aks.findCluster({ clusterId });
    return {
      id: aks.id,
      name: aks.name,
      nodeResourceGroup: aks.nodeResourceGroup,
      outbound: aks.outbound,
      aks,
    };
  }

  kubeconfig(cluster: ClusterInfo): Promise<string> {
    return this.aks.kubeconfig((cluster as AzureCluster).aks);
  }

  async snatUsage(cluster: ClusterInfo): Promise<ReadonlyMap<string, NodeSnat>> {
    const aks = (cluster as AzureCluster).aks;
    const usage = await this.metrics.usage(loadBalancerId(aks), { nodeCount: aks.nodeCount });
    return new Map(usage.map(({ ip, ...figures }) => [ip, figures]));
  }
}
