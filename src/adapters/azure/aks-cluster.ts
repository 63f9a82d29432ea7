import type { ContainerServiceNetworkProfile, ManagedCluster } from '@azure/arm-containerservice';
import { AzureError } from './errors';
import { MANAGED_CLUSTER_TYPE, parseResourceId } from './resource-id';

/** How the cluster's nodes reach the internet, and with how many SNAT ports. */
export interface AksOutbound {
  /** `loadBalancer`, `managedNATGateway`, `userAssignedNATGateway`, `userDefinedRouting`, `none`, ... */
  readonly type: string;
  /** IPv4 outbound IPs in effect (for a NAT gateway, its IPs). */
  readonly outboundIps: number;
  /** Ports per node; 0 means Azure chooses from its default table. */
  readonly allocatedOutboundPorts: number;
  readonly idleTimeoutMinutes: number;
}

/** The managed cluster as the investigation needs it. Holds no credential. */
export interface AksCluster {
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly subscriptionId: string;
  readonly nodeResourceGroup: string;
  /** Entra ID (managed AAD) integration: user credentials need a token from the credential. */
  readonly aadEnabled: boolean;
  readonly outbound: AksOutbound;
  readonly nodeCount: number;
}

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
