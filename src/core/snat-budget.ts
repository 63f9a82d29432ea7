/**
 * The load balancer's SNAT port budget (DESIGN.md section 5, after Azure's "default port allocation"
 * table): each outbound IP gives 64,000 ports, shared out per node.
 */
export const PORTS_PER_OUTBOUND_IP = 64_000;

/** [largest pool size, ports per node] when allocatedOutboundPorts is 0 (Azure chooses). */
const DEFAULT_ALLOCATION: readonly (readonly [number, number])[] = [
  [50, 1024],
  [100, 512],
  [200, 256],
  [400, 128],
  [800, 64],
  [1000, 32],
];

/** Ports per node; null when the pool is larger than the default table covers. */
export function portsPerNode(allocatedOutboundPorts: number, nodeCount: number): number | null {
  if (allocatedOutboundPorts > 0) return allocatedOutboundPorts;
  const row = DEFAULT_ALLOCATION.find(([maxNodes]) => nodeCount <= maxNodes);
  return row === undefined ? null : row[1];
}

/** How many nodes the outbound IPs can serve at this allocation. */
export function maxNodes(outboundIps: number, ports: number): number {
  return ports > 0 ? Math.floor((outboundIps * PORTS_PER_OUTBOUND_IP) / ports) : 0;
}

/** The largest allocation (a multiple of 8, as Azure requires) that still serves `nodeCount` nodes. */
export function maxPortsPerNode(outboundIps: number, nodeCount: number): number {
  if (nodeCount <= 0) return 0;
  const ports = Math.floor((outboundIps * PORTS_PER_OUTBOUND_IP) / nodeCount);
  return Math.min(64_000, ports - (ports % 8));
}

/** Outbound IPs needed to give `nodeCount` nodes `ports` each. */
export function outboundIpsNeeded(nodeCount: number, ports: number): number {
  return Math.ceil((nodeCount * ports) / PORTS_PER_OUTBOUND_IP);
}
