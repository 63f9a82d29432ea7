/**
 * The parts of a simulated cluster that the scenario asks for by number rather than spells out: the extra
 * (idle) nodes and the filler (idle) pods. Both are derived from the scenario alone, so the API server, the
 * ARM server and every node model agree on their names and addresses.
 */
import { formatIpv4, parseIp, parseIpv4 } from '../core/ip-address';
import { FILLER_NAMESPACE, type Scenario, type ScenarioPod } from './scenario';

export interface ClusterNode {
  readonly name: string;
  readonly ip: string;
  /** Position in the cluster: the scenario's nodes first, then the extra ones. */
  readonly index: number;
  /** An extra node: no pods, only the node's own daemons. */
  readonly extra: boolean;
}

/** VMSS instance names end in six base-36 digits: aks-nodepool1-12345678-vmss00000a. */
const VMSS_NAME = /^(.*vmss)([0-9a-z]{6})$/;
const DEFAULT_VMSS_PREFIX = 'aks-nodepool1-12345678-vmss';

/** Every node of the cluster, the scenario's own first, then `extraNodes` more after them. */
export function clusterNodes(scenario: Scenario): ClusterNode[] {
  const nodes: ClusterNode[] = scenario.nodes.map((node, index) => ({
    name: node.name,
    ip: node.ip,
    index,
    extra: false,
  }));
  if (scenario.extraNodes === 0) return nodes;

  const usedNames = new Set(nodes.map((node) => node.name));
  const usedIps = new Set<string>(nodes.map((node) => node.ip));
  for (const node of scenario.nodes)
    for (const pod of node.pods) if (pod.ip !== undefined) usedIps.add(pod.ip);
  const prefix = VMSS_NAME.exec(scenario.nodes[0]?.name ?? '')?.[1] ?? DEFAULT_VMSS_PREFIX;
  let ordinal = 0;
  let ip = Math.max(...nodes.map((node) => parseIpv4(node.ip) ?? 0));
  for (let i = 0; i < scenario.extraNodes; i++) {
    let name: string;
    do name = `${prefix}${(ordinal++).toString(36).padStart(6, '0')}`;
    while (usedNames.has(name));
    do ip++;
    while (usedIps.has(formatIpv4(ip)));
    nodes.push({ name, ip: formatIpv4(ip), index: nodes.length, extra: true });
  }
  return nodes;
}

/**
 * The filler pods of every scenario node: `filler/idle-<node index>-<nnn>`, one container each, with IPv4
 * addresses from the /24 of the node's first IPv4 pod (or 10.244.<node index>.0/24), skipping every address
 * the scenario uses.
 */
export function fillerPods(scenario: Scenario): ReadonlyMap<string, readonly ScenarioPod[]> {
  const used = new Set<string>();
  for (const node of scenario.nodes) {
    used.add(node.ip);
    for (const pod of node.pods) if (pod.ip !== undefined) used.add(pod.ip);
  }
  const byNode = new Map<string, ScenarioPod[]>();
  scenario.nodes.forEach((node, index) => {
    const pods: ScenarioPod[] = [];
    const firstV4 = node.pods.find((pod) => pod.ip !== undefined && parseIp(pod.ip)?.version === 4)?.ip;
    const base =
      firstV4 !== undefined
        ? ((parseIpv4(firstV4) as number) & ~0xff) >>> 0
        : (parseIpv4(`10.${244 + Math.floor(index / 256)}.${index % 256}.0`) as number);
    let address = base + 1;
    for (let i = 0; i < node.fillerPods; i++) {
      let ip: string;
      do {
        address++;
        // .0 and .255 of each /24 are left out, as Kubernetes IPAM does.
        if ((address & 0xff) === 0xff) address += 3;
        ip = formatIpv4(address >>> 0);
      } while (used.has(ip));
      used.add(ip);
      pods.push({
        namespace: FILLER_NAMESPACE,
        name: `idle-${index}-${String(i).padStart(3, '0')}`,
        ip,
        ips: [ip],
        hostNetwork: false,
        containers: [
          {
            name: 'worker',
            tools: ['cat'],
            image: 'mcr.microsoft.com/cbl-mariner/busybox:2.0',
            command: ['sleep', 'infinity'],
          },
        ],
        traffic: [],
      });
    }
    byNode.set(node.name, pods);
  });
  return byNode;
}
