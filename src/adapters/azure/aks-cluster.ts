import type { ContainerServiceNetworkProfile, ManagedCluster } from '@azure/arm-containerservice';
import type { ClusterInfo } from '../../workflow/ports';
import { AzureError } from './errors';
import { MANAGED_CLUSTER_TYPE, parseResourceId } from '../../core/resource-id';

/** How the cluster's nodes reach the internet, and with how many SNAT ports. */
export type AksOutbound = ClusterInfo['outbound'];

/** The managed cluster as the investigation needs it. Holds no credential. */
export type AksCluster = ClusterInfo;

/** Azure's defaults when the profile leaves them out (one managed IP, 30 minutes; NAT gateway 4). */
const LB_IDLE_TIMEOUT_DEFAULT = 30;
const NAT_IDLE_TIMEOUT_DEFAULT = 4;

export function outboundOf(network: ContainerServiceNetworkProfile | undefined): AksOutbound {
  const type = network?.outboundType ?? 'loadBalancer';
  if (type === 'managedNATGateway' || type === 'userAssignedNATGateway') {
    const nat = network?.natGatewayProfile;
    return {
      type,
      outboundIps: nat?.effectiveOutboundIPs?.length || nat?.managedOutboundIPProfile?.count || 0,
      allocatedOutboundPorts: 0,
      idleTimeoutMinutes: nat?.idleTimeoutInMinutes ?? NAT_IDLE_TIMEOUT_DEFAULT,
    };
  }
  const lb = network?.loadBalancerProfile;
  // Explicit IPs first, then the managed count; effective IPs cover prefixes, where neither is given.
  const outboundIps =
    type === 'loadBalancer'
      ? lb?.outboundIPs?.publicIPs?.length ||
        lb?.managedOutboundIPs?.count ||
        lb?.effectiveOutboundIPs?.length ||
        1
      : 0;
  return {
    type,
    outboundIps,
    allocatedOutboundPorts: lb?.allocatedOutboundPorts ?? 0,
    idleTimeoutMinutes: lb?.idleTimeoutInMinutes ?? LB_IDLE_TIMEOUT_DEFAULT,
  };
}

export function toAksCluster(managed: ManagedCluster): AksCluster {
  if (managed.id === undefined || managed.nodeResourceGroup === undefined) {
    throw new AzureError(
      `managed cluster '${managed.name ?? '?'}' came back without an id or node resource group`,
      null,
      null,
    );
  }
  const ref = parseResourceId(managed.id, MANAGED_CLUSTER_TYPE);
  return {
    id: managed.id,
    name: ref.name,
    resourceGroup: ref.resourceGroup,
    subscriptionId: ref.subscriptionId,
    nodeResourceGroup: managed.nodeResourceGroup,
    aadEnabled: managed.aadProfile !== undefined,
    outbound: outboundOf(managed.networkProfile),
    nodeCount: (managed.agentPoolProfiles ?? []).reduce((sum, pool) => sum + (pool.count ?? 0), 0),
  };
}
