/**
 * What `tcptracer -t4v` prints on the node over a window of `seconds`, with bcc's own printf formats
 * (tools/tcptracer.py): the banner, the header, then one line per event, TIME in nanoseconds since the
 * first event. `-4` traces AF_INET sockets only, so IPv6 traffic never shows.
 *
 * - Each IPv4 traffic entry: exactly Math.round(connectsPerSecond * seconds) connects, spread evenly over the
 *   window with seeded jitter, from the entry's container process; each closed 5-250 ms later (a close
 *   event when that falls inside the window).
 * - Kubelet probes every application pod's port every 10 s (seeded phase): kubelet's connect from the node
 *   IP, the pod's accept, then both sides' closes.
 * - The guest agent (waagent) asks the wire server every 5 s.
 * Source ports continue each (netns, address) sequence after the ports the socket table holds.
 */
import { parseIp } from '../core/ip-address';
import { HOST_NETNS, POD_LISTEN_PORT, type NodeIdentities, type SimProcess } from './node-identities';
import { PortSequence, portSequenceKey, WIRESERVER_IP } from './node-sockets';
import { rng } from './random';
import { parseHostPort, type Endpoint } from './scenario';

export interface TraceLine {
  /** The whole second of the window in which the line falls due: 0 for the banner and [0 s, 1 s). */
  readonly atSecond: number;
  readonly text: string;
}

type EventType = 'connect' | 'accept' | 'close';

interface TraceEvent {
  readonly ns: number;
  readonly type: EventType;
  readonly process: SimProcess;
  readonly saddr: string;
  readonly daddr: string;
  readonly sport: number;
  readonly dport: number;
  readonly netns: number;
}

const BANNER = 'Tracing TCP established connections. Ctrl-C to end.';
const HEADER =
  `${'TIME(ns)'.padEnd(14)}${'TYPE'.padEnd(12)} ${'PID'.padEnd(6)} ${'COMM'.padEnd(16)} ${'IP'.padEnd(2)} ` +
  `${'SADDR'.padEnd(16)} ${'DADDR'.padEnd(16)} ${'SPORT'.padEnd(6)} ${'DPORT'.padEnd(7)}${'NETNS'.padEnd(8)}`;

const NS_PER_SECOND = 1e9;
const MS = 1e6;
const PROBE_PERIOD_NS = 10 * NS_PER_SECOND;
const WAAGENT_PERIOD_NS = 5 * NS_PER_SECOND;

function formatEvent(event: TraceEvent, first: number): string {
  return (
    `${String(event.ns - first).padEnd(14)}${event.type.padEnd(12)} ${String(event.process.pid).padEnd(6)} ` +
    `${event.process.comm.padEnd(16)} ${'4'.padEnd(2)} ${event.saddr.padEnd(16)} ${event.daddr.padEnd(16)} ` +
    `${String(event.sport).padEnd(6)} ${String(event.dport).padEnd(6)} ${String(event.netns).padEnd(8)}`
  );
}

/** Builds the trace of one window. `portsTaken` says where each port sequence stands after the socket table. */
export function traceNode(input: {
  readonly seed: number;
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly identities: NodeIdentities;
  readonly portsTaken: ReadonlyMap<string, number>;
  readonly seconds: number;
}): TraceLine[] {
  const { seed, nodeName, nodeIp, identities, seconds } = input;
  const windowNs = seconds * NS_PER_SECOND;
  const events: TraceEvent[] = [];
  const sequences = new Map<string, { sequence: PortSequence; next: number }>();
  const ephemeral = (netns: number, address: string): number => {
    const keys = portSequenceKey(nodeName, netns, address);
    const key = keys.join(' ');
    let known = sequences.get(key);
    if (known === undefined) {
      known = { sequence: new PortSequence(seed, ...keys), next: input.portsTaken.get(key) ?? 0 };
      sequences.set(key, known);
    }
    return known.sequence.port(known.next++);
  };
  const add = (event: TraceEvent) => {
    if (event.ns < windowNs) events.push(event);
  };
  const byPid = new Map(identities.processes.map((process) => [process.pid, process]));

  for (const { pod, scenario, netns } of identities.pods) {
    const processOf = new Map(pod.containers.map((c) => [c.name, byPid.get(c.pid) as SimProcess]));
    scenario.traffic.forEach((traffic, t) => {
      const to = parseHostPort(traffic.to) as Endpoint;
      if (to.family !== 4) return;
      const process = processOf.get(traffic.container) as SimProcess;
      const count = Math.round(traffic.connectsPerSecond * seconds);
      const random = rng(seed, 'trace', nodeName, pod.namespace, pod.name, t, seconds);
      for (let j = 0; j < count; j++) {
        const ns = Math.floor(((j + random.next()) / count) * windowNs);
        const sport = ephemeral(netns, pod.podIP);
        const connection = { process, saddr: pod.podIP, daddr: to.address, sport, dport: to.port, netns };
        add({ ...connection, ns, type: 'connect' });
        add({ ...connection, ns: ns + random.int(5 * MS, 250 * MS), type: 'close' });
      }
    });
  }

  const kubelet = identities.daemons.kubelet;
  for (const { pod, scenario, netns } of identities.pods) {
    if (pod.hostNetwork || pod.filler || parseIp(pod.podIP)?.version !== 4) continue;
    const app = byPid.get((pod.containers[0] as { pid: number }).pid) as SimProcess;
    const random = rng(seed, 'probes', nodeName, scenario.namespace, scenario.name, seconds);
    for (let ns = Math.floor(random.next() * PROBE_PERIOD_NS); ns < windowNs; ns += PROBE_PERIOD_NS) {
      const sport = ephemeral(HOST_NETNS, nodeIp);
      const accepted = ns + random.int(0.15 * MS, 0.4 * MS);
      const served = accepted + random.int(1 * MS, 3 * MS);
      const fromKubelet = {
        process: kubelet,
        saddr: nodeIp,
        daddr: pod.podIP,
        sport,
        dport: POD_LISTEN_PORT,
      };
      const inPod = {
        process: app,
        saddr: pod.podIP,
        daddr: nodeIp,
        sport: POD_LISTEN_PORT,
        dport: sport,
        netns,
      };
      add({ ...fromKubelet, netns: HOST_NETNS, ns, type: 'connect' });
      add({ ...inPod, ns: accepted, type: 'accept' });
      add({ ...inPod, ns: served, type: 'close' });
      add({ ...fromKubelet, netns: HOST_NETNS, ns: served + random.int(0.05 * MS, 0.3 * MS), type: 'close' });
    }
  }

  const waagent = identities.daemons.waagent;
  const random = rng(seed, 'waagent', nodeName, seconds);
  for (let ns = Math.floor(random.next() * WAAGENT_PERIOD_NS); ns < windowNs; ns += WAAGENT_PERIOD_NS) {
    const connection = {
      process: waagent,
      saddr: nodeIp,
      daddr: WIRESERVER_IP,
      dport: 80,
      netns: HOST_NETNS,
    };
    const sport = ephemeral(HOST_NETNS, nodeIp);
    add({ ...connection, sport, ns, type: 'connect' });
    add({ ...connection, sport, ns: ns + random.int(10 * MS, 40 * MS), type: 'close' });
  }

  // A stable sort keeps events of the same nanosecond in the order they were made.
  events.sort((a, b) => a.ns - b.ns);
  const first = events[0]?.ns ?? 0;
  return [
    { atSecond: 0, text: BANNER },
    { atSecond: 0, text: HEADER },
    ...events.map((event) => ({
      atSecond: Math.floor(event.ns / NS_PER_SECOND),
      text: formatEvent(event, first),
    })),
  ];
}
