import { createHash } from 'node:crypto';

/** The one AKS cluster the simulated Azure Resource Manager knows, as a scenario describes it. */
export interface SimArmCluster {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  readonly aadEnabled: boolean;
  readonly outbound: {
    readonly type: 'loadBalancer';
    readonly managedOutboundIPs: number;
    readonly allocatedOutboundPorts: number;
    readonly idleTimeoutMinutes: number;
  };
  readonly nodes: readonly { readonly name: string; readonly ip: string }[];
  /** SNAT figures per node IP over the last 30 minutes (what the load balancer's metrics show). */
  readonly snat: ReadonlyMap<
    string,
    {
      readonly usedPorts: number;
      readonly allocatedPorts: number;
      readonly failedConnections: number;
      readonly successfulConnections: number;
    }
  >;
  /** The kubeconfig listClusterUserCredential returns (YAML text), pointing at the simulated API server. */
  readonly kubeconfig: string;
}

/** The resource IDs ARM derives from the cluster, spelled as the real service spells them. */
export interface SimArmIds {
  /** AKS writes `resourcegroups` in lower case in the IDs it returns; callers must not depend on case. */
  readonly clusterId: string;
  readonly nodeResourceGroup: string;
  readonly nodeResourceGroupId: string;
  readonly loadBalancerId: string;
  readonly outboundIpIds: readonly string[];
  readonly tenantId: string;
}

/** A GUID-shaped string that is the same for the same seed, so that every run serves identical JSON. */
export function stableGuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function simArmIds(cluster: SimArmCluster): SimArmIds {
  const { subscriptionId, resourceGroup, name, location } = cluster;
  const nodeResourceGroup = `MC_${resourceGroup}_${name}_${location}`;
  const nodeResourceGroupId = `/subscriptions/${subscriptionId}/resourceGroups/${nodeResourceGroup}`;
  const clusterId = `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
  const outboundIpIds = Array.from(
    { length: cluster.outbound.managedOutboundIPs },
    (_, i) =>
      `${nodeResourceGroupId}/providers/Microsoft.Network/publicIPAddresses/${stableGuid(`${clusterId}/outbound-ip/${i}`)}`,
  );
  return {
    clusterId,
    nodeResourceGroup,
    nodeResourceGroupId,
    loadBalancerId: `${nodeResourceGroupId}/providers/Microsoft.Network/loadBalancers/kubernetes`,
    outboundIpIds,
    tenantId: stableGuid(`${subscriptionId}/tenant`),
  };
}
