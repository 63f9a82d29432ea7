import type { Finding, PodDestination, Recommendation, RankedPod, SnatUsage } from './finding';
import { culpritOf } from './culprit';
import { formatEndpoint } from './ip-address';
import { maxNodes, maxPortsPerNode, outboundIpsNeeded } from './snat-budget';

/**
 * Ports of Azure PaaS data planes whose public endpoints a Private Endpoint (or a service endpoint)
 * takes off SNAT entirely. Port 443 is left out on purpose: it says nothing about who is behind it.
 */
const AZURE_PAAS_PORTS: ReadonlyMap<number, string> = new Map([
  [1433, 'Azure SQL'],
  [3306, 'Azure Database for MySQL'],
  [5432, 'Azure Database for PostgreSQL'],
  [6380, 'Azure Cache for Redis'],
  [5671, 'Service Bus / Event Hubs (AMQP)'],
  [5672, 'Service Bus / Event Hubs (AMQP)'],
  [9093, 'Event Hubs (Kafka)'],
  [10255, 'Cosmos DB (MongoDB API)'],
]);

/** Share of a pod's public activity that its top three destinations must carry to call it concentrated. */
const CONCENTRATION = 0.8;
/** Used ports over allocated at which the node is treated as short of ports. */
const PRESSURE = 0.8;

function activity(d: PodDestination): number {
  return d.established + d.connects;
}

/** What to change, from what the evidence shows: the culprit's traffic first, then the port budget. */
export function recommend(finding: Pick<Finding, 'pods' | 'culprit' | 'snat'>): Recommendation[] {
  const recommendations: Recommendation[] = [];
  const culprit = culpritOf(finding);
  if (culprit !== undefined) {
    const pooling = poolingAdvice(culprit);
    if (pooling !== null) recommendations.push(pooling);
  }
  const privateLink = privateLinkAdvice(finding.pods);
  if (privateLink !== null) recommendations.push(privateLink);
  if (finding.snat !== null) recommendations.push(...budgetAdvice(finding.snat));
  return recommendations;
}

function poolingAdvice(pod: RankedPod): Recommendation | null {
  const publicDestinations = pod.topDestinations.filter((d) => d.public);
  const total = (pod.publicEstablished ?? 0) + pod.tracedPublicConnects;
  if (publicDestinations.length === 0 || total === 0) return null;
  const top = publicDestinations.slice(0, 3);
  const share = top.reduce((sum, d) => sum + activity(d), 0) / total;
  if (share < CONCENTRATION) return null;
  const names = top.map((d) => formatEndpoint(d.daddr, d.dport)).join(', ');
  return {
    id: 'connection-pooling',
    text:
      `Reuse connections in ${pod.namespace}/${pod.name}: ${Math.round(share * 100)}% of its public connections go to ` +
      `${top.length === 1 ? names : `${top.length} destinations (${names})`}. Pool them and keep them alive ` +
      `(one long-lived HTTP client per destination) instead of opening a new one per request: each closed ` +
      `connection keeps its SNAT port for minutes.`,
  };
}

function privateLinkAdvice(pods: readonly RankedPod[]): Recommendation | null {
  const services = new Map<string, Set<string>>();
  for (const pod of pods) {
    for (const d of pod.topDestinations) {
      const service = d.public ? AZURE_PAAS_PORTS.get(d.dport) : undefined;
      if (service === undefined) continue;
      services.set(service, (services.get(service) ?? new Set()).add(formatEndpoint(d.daddr, d.dport)));
    }
  }
  if (services.size === 0) return null;
  const listed = [...services]
    .map(([service, endpoints]) => `${[...endpoints].join(', ')} (${service}?)`)
    .join('; ');
  return {
    id: 'private-link',
    text:
      `Reach Azure PaaS over Private Link: ${listed} use a port of an Azure data service. If they are, a ` +
      `Private Endpoint in the VNet takes that traffic off SNAT entirely.`,
  };
}

function budgetAdvice(snat: SnatUsage): Recommendation[] {
  const ports = snat.portsPerNode;
  if (ports === null || snat.outboundIps === null || snat.nodeCount === null) return [];
  const pressed = snat.failedConnections > 0 || snat.usedPorts >= PRESSURE * ports;
  if (!pressed) return [];
  // Leave room to double the pool: scale-out and upgrade surge add nodes that need ports too.
  const roomy = maxPortsPerNode(snat.outboundIps, snat.nodeCount * 2);
  const ips = (n: number) => `${n} outbound IP${n === 1 ? '' : 's'}`;
  const serve = (n: number) => (n === 1 ? 'serves' : 'serve');
  if (roomy >= 2 * ports) {
    return [
      {
        id: 'more-outbound-ports',
        text:
          `Raise allocatedOutboundPorts from ${ports} to ${roomy}: at that allocation ${ips(snat.outboundIps)} ` +
          `${serve(snat.outboundIps)} ${maxNodes(snat.outboundIps, roomy)} nodes, twice today's ${snat.nodeCount}, ` +
          `which leaves room for scale-out and upgrade surge.`,
      },
    ];
  }
  const doubled = ports * 2;
  const needed = outboundIpsNeeded(snat.nodeCount * 2, doubled);
  const advice: Recommendation[] = [];
  if (needed <= 16) {
    advice.push({
      id: 'more-outbound-ips',
      text:
        `Add outbound IPs: ${ips(snat.outboundIps)} ${snat.outboundIps === 1 ? 'gives' : 'give'} each of ` +
        `${snat.nodeCount} nodes ${ports} ports with little room to grow; ${ips(needed)} would give each ${doubled}.`,
    });
  }
  advice.push({
    id: 'nat-gateway',
    text:
      `Consider a NAT gateway for the node subnet: it hands out SNAT ports on demand from up to 16 IPs ` +
      `(64,512 ports each) instead of a fixed ${ports} per node, so one busy node no longer runs dry while others idle.`,
  });
  return advice;
}
