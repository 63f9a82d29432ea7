/**
 * What bcc's `tcptracer` sees on the node, second by second, printed with its own formats
 * (tools/tcptracer.py): the banner, the header, then one line per event.
 *
 * - Each traffic entry: connects at `connectsPerSecond`, so that N whole seconds hold exactly
 *   Math.round(connectsPerSecond * N) of them, spread over each second with seeded jitter, from the entry's
 *   container process; each closed 5-250 ms later.
 * - Kubelet probes every application pod's port every 10 s (seeded phase): kubelet's connect from the node
 *   IP, the pod's accept, then both sides' closes. The guest agent (waagent) asks the wire server every 5 s.
 * - Source ports continue each (netns, address) sequence after the ports the socket table holds.
 * - Families: an event's IP column is its socket's family. `-4` prints AF_INET sockets only, `-6` AF_INET6
 *   only; a dual-stack (AF_INET6) socket's IPv4 traffic is family 6, printed `[::ffff:a.b.c.d]`, and
 *   which of its events are printed at all is TracerMaps'.
 * - Order: libbcc's perf_reader_poll reads one ring buffer per CPU, one CPU after another, so what one poll
 *   prints comes CPU by CPU; TIME counts from the first event printed (`-t`), and an event another CPU's
 *   buffer gives up later was stamped earlier: its TIME can be negative. The simulator's poll takes one
 *   second's events at once (the real one wakes more often; the counts are the same).
 */
import { parseIp } from '../core/ip-address';
import { HOST_NETNS, POD_LISTEN_PORT, type NodeIdentities, type SimProcess } from './node-identities';
import { PortSequence, portSequenceKey, trafficEndpoints, WIRESERVER_IP } from './node-sockets';
import { rng } from './random';

export interface TraceLine {
  /** The whole second of the window in which the line falls due: 0 for the banner and [0 s, 1 s). */
  readonly atSecond: number;
  readonly text: string;
}

type EventType = 'connect' | 'accept' | 'close';

export interface TraceEvent {
  readonly ns: number;
  readonly type: EventType;
  readonly process: SimProcess;
  /** The socket's family: the IP column. */
  readonly family: 4 | 6;
  /** Whether the addresses are IPv4 ones of an AF_INET6 socket (printed v4-mapped). */
  readonly mapped: boolean;
  readonly saddr: string;
  readonly daddr: string;
  readonly sport: number;
  readonly dport: number;
  readonly netns: number;
}

/** tcptracer's flags that change what it prints: `-t`, `-v`, `-4`/`-6`. */
export interface TracerFlags {
  readonly timestamps: boolean;
  readonly verbose: boolean;
  readonly family: 4 | 6 | null;
}

export const TRACER_BANNER = 'Tracing TCP established connections. Ctrl-C to end.';

/** The header line, as tcptracer.py builds it from its flags. */
export function tracerHeader(flags: TracerFlags): string {
  const time = flags.timestamps ? (flags.verbose ? 'TIME(ns)'.padEnd(14) : 'TIME(s)'.padEnd(9)) : '';
  const type = flags.verbose ? `${'TYPE'.padEnd(12)} ` : `${'T'.padEnd(2)} `;
  // `-v` pads DPORT to 7 and adds NETNS; without it DPORT is padded to 6.
  const tail = flags.verbose ? `${'DPORT'.padEnd(7)}${'NETNS'.padEnd(8)}` : 'DPORT'.padEnd(6);
  return (
    `${time}${type}${'PID'.padEnd(6)} ${'COMM'.padEnd(16)} ${'IP'.padEnd(2)} ` +
    `${'SADDR'.padEnd(16)} ${'DADDR'.padEnd(16)} ${'SPORT'.padEnd(6)} ${tail}`
  );
}

const LETTER: Readonly<Record<EventType, string>> = { connect: 'C', accept: 'A', close: 'X' };

function printed(address: string, event: TraceEvent): string {
  if (event.family === 4) return address;
  // tcptracer.py: "[" + inet_ntop(AF_INET6, ...) + "]"; inet_ntop writes a v4-mapped address ::ffff:a.b.c.d.
  return event.mapped ? `[::ffff:${address}]` : `[${address}]`;
}

/** One event line. `first` is the ns of the first event printed, which TIME counts from. */
export function formatTraceEvent(event: TraceEvent, first: number, flags: TracerFlags): string {
  let time = '';
  if (flags.timestamps) {
    const delta = event.ns - first;
    time = flags.verbose ? `${String(delta).padEnd(14)}` : `${(delta / 1e9).toFixed(3).padEnd(9)}`;
  }
  const type = flags.verbose ? `${event.type.padEnd(12)} ` : `${LETTER[event.type]}  `;
  const netns = flags.verbose ? ` ${String(event.netns).padEnd(8)}` : '';
  return (
    `${time}${type}${String(event.process.pid).padEnd(6)} ${event.process.comm.padEnd(16)} ` +
    `${String(event.family).padEnd(2)} ${printed(event.saddr, event).padEnd(16)} ` +
    `${printed(event.daddr, event).padEnd(16)} ${String(event.sport).padEnd(6)} ${String(event.dport).padEnd(6)}${netns}`
  );
}

const NS_PER_SECOND = 1e9;
const MS = 1e6;
const PROBE_PERIOD_NS = 10 * NS_PER_SECOND;
const WAAGENT_PERIOD_NS = 5 * NS_PER_SECOND;
/** Standard_D4ds_v5, the demo cluster's VM size: 4 vCPUs, one perf ring buffer each. */
export const NODE_CPUS = 4;

/**
 * The node's TCP events, a second at a time from the moment tcptracer attached: `second(k)` gives the
 * events stamped in [k s, k+1 s), in the order one poll of the per-CPU buffers prints them. Call it for
 * k = 0, 1, 2, ... in turn.
 */
export class TraceGenerator {
  private readonly pending: TraceEvent[] = [];
  private readonly sequences = new Map<string, { sequence: PortSequence; next: number }>();
  private readonly byPid: ReadonlyMap<number, SimProcess>;
  private nextSecond = 0;

  constructor(
    private readonly input: {
      readonly seed: number;
      readonly nodeName: string;
      readonly nodeIp: string;
      readonly identities: NodeIdentities;
      readonly portsTaken: ReadonlyMap<string, number>;
    },
  ) {
    this.byPid = new Map(input.identities.processes.map((process) => [process.pid, process]));
  }

  second(k: number): TraceEvent[] {
    if (k !== this.nextSecond)
      throw new RangeError(`trace seconds come in turn: ${this.nextSecond} next, not ${k}`);
    this.nextSecond++;
    const from = k * NS_PER_SECOND;
    const to = from + NS_PER_SECOND;
    this.traffic(k, from);
    this.probes(from, to);
    this.waagent(from, to);
    const due: TraceEvent[] = [];
    const later: TraceEvent[] = [];
    for (const event of this.pending) (event.ns < to ? due : later).push(event);
    this.pending.length = 0;
    this.pending.push(...later);
    // A stable sort keeps events of the same nanosecond in the order they were made; then CPU by CPU.
    due.sort((a, b) => a.ns - b.ns);
    const cpus: TraceEvent[][] = Array.from({ length: NODE_CPUS }, () => []);
    for (const event of due) (cpus[cpuOf(event.process.pid)] as TraceEvent[]).push(event);
    return cpus.flat();
  }

  private ephemeral(netns: number, address: string): number {
    const keys = portSequenceKey(this.input.nodeName, netns, address);
    const key = keys.join(' ');
    let known = this.sequences.get(key);
    if (known === undefined) {
      known = {
        sequence: new PortSequence(this.input.seed, ...keys),
        next: this.input.portsTaken.get(key) ?? 0,
      };
      this.sequences.set(key, known);
    }
    return known.sequence.port(known.next++);
  }

  private traffic(k: number, from: number): void {
    const { seed, nodeName, identities } = this.input;
    for (const { pod, scenario, netns } of identities.pods) {
      const processOf = new Map(pod.containers.map((c) => [c.name, this.byPid.get(c.pid) as SimProcess]));
      scenario.traffic.forEach((traffic, t) => {
        const { family, mapped, local, to } = trafficEndpoints(pod, traffic);
        const process = processOf.get(traffic.container) as SimProcess;
        // Cumulative rounding: N whole seconds hold exactly Math.round(rate * N) connects.
        const count =
          Math.round(traffic.connectsPerSecond * (k + 1)) - Math.round(traffic.connectsPerSecond * k);
        const random = rng(seed, 'trace', nodeName, pod.namespace, pod.name, t, k);
        for (let j = 0; j < count; j++) {
          const ns = from + Math.floor(((j + random.next()) / count) * NS_PER_SECOND);
          const sport = this.ephemeral(netns, local);
          const connection = {
            process,
            family,
            mapped,
            saddr: local,
            daddr: to.address,
            sport,
            dport: to.port,
            netns,
          };
          this.pending.push({ ...connection, ns, type: 'connect' });
          this.pending.push({ ...connection, ns: ns + random.int(5 * MS, 250 * MS), type: 'close' });
        }
      });
    }
  }

  private probes(from: number, to: number): void {
    const { seed, nodeName, nodeIp, identities } = this.input;
    const kubelet = identities.daemons.kubelet;
    for (const { pod, scenario, netns } of identities.pods) {
      if (pod.hostNetwork || pod.filler || parseIp(pod.podIP)?.version !== 4) continue;
      const app = this.byPid.get((pod.containers[0] as { pid: number }).pid) as SimProcess;
      const phase = Math.floor(
        rng(seed, 'probe-phase', nodeName, scenario.namespace, scenario.name).next() * PROBE_PERIOD_NS,
      );
      for (let ns = firstAtOrAfter(phase, PROBE_PERIOD_NS, from); ns < to; ns += PROBE_PERIOD_NS) {
        const random = rng(seed, 'probes', nodeName, scenario.namespace, scenario.name, ns);
        const sport = this.ephemeral(HOST_NETNS, nodeIp);
        const accepted = ns + random.int(0.15 * MS, 0.4 * MS);
        const served = accepted + random.int(1 * MS, 3 * MS);
        const v4 = { family: 4 as const, mapped: false };
        const fromKubelet = {
          ...v4,
          process: kubelet,
          saddr: nodeIp,
          daddr: pod.podIP,
          sport,
          dport: POD_LISTEN_PORT,
        };
        const inPod = {
          ...v4,
          process: app,
          saddr: pod.podIP,
          daddr: nodeIp,
          sport: POD_LISTEN_PORT,
          dport: sport,
          netns,
        };
        this.pending.push({ ...fromKubelet, netns: HOST_NETNS, ns, type: 'connect' });
        this.pending.push({ ...inPod, ns: accepted, type: 'accept' });
        this.pending.push({ ...inPod, ns: served, type: 'close' });
        this.pending.push({
          ...fromKubelet,
          netns: HOST_NETNS,
          ns: served + random.int(0.05 * MS, 0.3 * MS),
          type: 'close',
        });
      }
    }
  }

  private waagent(from: number, to: number): void {
    const { seed, nodeName, nodeIp, identities } = this.input;
    const waagent = identities.daemons.waagent;
    const phase = Math.floor(rng(seed, 'waagent-phase', nodeName).next() * WAAGENT_PERIOD_NS);
    for (let ns = firstAtOrAfter(phase, WAAGENT_PERIOD_NS, from); ns < to; ns += WAAGENT_PERIOD_NS) {
      const random = rng(seed, 'waagent', nodeName, ns);
      const connection = {
        process: waagent,
        family: 4 as const,
        mapped: false,
        saddr: nodeIp,
        daddr: WIRESERVER_IP,
        dport: 80,
        netns: HOST_NETNS,
      };
      const sport = this.ephemeral(HOST_NETNS, nodeIp);
      this.pending.push({ ...connection, sport, ns, type: 'connect' });
      this.pending.push({ ...connection, sport, ns: ns + random.int(10 * MS, 40 * MS), type: 'close' });
    }
  }
}

/** The first `phase + n * period` at or after `from`. */
function firstAtOrAfter(phase: number, period: number, from: number): number {
  return from <= phase ? phase : phase + Math.ceil((from - phase) / period) * period;
}

/** Which CPU a process's events are stamped on: fixed per process, spread over the node's CPUs. */
function cpuOf(pid: number): number {
  return (Math.imul(pid, 2654435761) >>> 0) % NODE_CPUS;
}

/** bcc's BPF_HASH default size (src/cc/export/helpers.h): tcptracer's tuplepid_ipv4 holds this many. */
export const TUPLEPID_MAP_ENTRIES = 10240;

/**
 * Which events tcptracer prints, as its BPF program decides (bcc tools/tcptracer.py at 6d0a964): a connect
 * is printed at TCP_ESTABLISHED when tcp_set_state finds the tuple its connect kretprobe stored, in the map
 * of the socket's family; `-4`/`-6` drop the other family's sockets in every probe.
 *
 * A dual-stack (AF_INET6) socket connecting to an IPv4 address: tcp_v6_connect hands it to tcp_v4_connect
 * (net/ipv6/tcp_ipv6.c), whose kretprobe stores the tuple in tuplepid_ipv4 (and leaves the v6 kretprobe
 * nothing); at ESTABLISHED the socket is AF_INET6, tuplepid_ipv6 has no entry, and no connect is printed.
 * Its close is (IP 6, `[::ffff:a.b.c.d]`). The IPv4 entry is never deleted (TCP_CLOSE deletes from the
 * socket's family's map): past TUPLEPID_MAP_ENTRIES of them the map is full, every later IPv4 connect's
 * update fails, and no IPv4 connect is printed for the rest of the trace. With `-6` only the v6 probes are
 * attached: the tuple is the v6 one, and the connect is printed.
 */
export class TracerMaps {
  private leaked = 0;

  constructor(private readonly flags: TracerFlags) {}

  prints(event: TraceEvent): boolean {
    const { family } = this.flags;
    if (event.mapped) {
      if (family === 4) return false;
      if (family === 6 || event.type !== 'connect') return true;
      this.leaked++;
      return false;
    }
    if (family !== null && family !== event.family) return false;
    if (event.type === 'connect' && event.family === 4 && family === null) {
      return this.leaked < TUPLEPID_MAP_ENTRIES;
    }
    return true;
  }
}

/**
 * The whole output of a trace of `seconds` whole seconds, as a tracer that was stopped right after it
 * prints it (banner and header first), each line with the second it falls due in.
 */
export function traceNode(
  input: ConstructorParameters<typeof TraceGenerator>[0] & {
    readonly seconds: number;
    readonly flags?: TracerFlags;
  },
): TraceLine[] {
  const flags = input.flags ?? { timestamps: true, verbose: true, family: null };
  const generator = new TraceGenerator(input);
  const maps = new TracerMaps(flags);
  const lines: TraceLine[] = [
    { atSecond: 0, text: TRACER_BANNER },
    { atSecond: 0, text: tracerHeader(flags) },
  ];
  let first: number | null = null;
  for (let k = 0; k < input.seconds; k++) {
    for (const event of generator.second(k)) {
      if (!maps.prints(event)) continue;
      first ??= event.ns;
      lines.push({ atSecond: k, text: formatTraceEvent(event, first, flags) });
    }
  }
  return lines;
}
