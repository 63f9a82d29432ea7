/**
 * The TCP sockets of one simulated node, per network namespace, as the kernel holds them at the moment the
 * tables are read: listeners, and exactly `established` ESTABLISHED connections per traffic entry (the
 * short-lived connections of `connectsPerSecond` show in the trace, not here).
 *
 * The node's own namespace also holds the daemons' sockets — kubelet to the API server, waagent to the
 * Azure wire server, their listeners — and those of every hostNetwork pod, each owned by its own PID.
 *
 * Local ports come from one ephemeral-port sequence per (netns, local address), seeded, so a port is never
 * given twice in a table; the trace draws its connects' ports from the same sequences, after the table's.
 */
import { parseIp } from '../core/ip-address';
import { HOST_NETNS, POD_LISTEN_PORT, type NodeIdentities, type SimProcess } from './node-identities';
import { rng } from './random';
import { EPHEMERAL_PORT_COUNT, EPHEMERAL_PORT_FIRST, parseHostPort, type Endpoint } from './scenario';

/** The AKS API server's public address, which kubelet (and kube-proxy) keep a connection to. */
export const API_SERVER_IP = '20.62.213.175';
/** Azure's wire server, which the guest agent talks to. */
export const WIRESERVER_IP = '168.63.129.16';

export type SimSocketState = 'ESTABLISHED' | 'LISTEN';

export interface SimSocket {
  /** Which table holds it: /proc/net/tcp (4) or /proc/net/tcp6 (6). */
  readonly family: 4 | 6;
  /** Canonical text; `0.0.0.0` or `::` for a wildcard. */
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly state: SimSocketState;
  /** Whether a `::` listener also takes IPv4 (not IPV6_V6ONLY): ss prints its address as `*`. */
  readonly dualStack: boolean;
  /** Owner: host PID, its fd for the socket, its uid. */
  readonly pid: number;
  readonly fd: number;
  readonly uid: number;
  readonly inode: number;
  /** The hashed kernel pointer /proc/net/tcp prints (%pK). */
  readonly pointer: string;
}

/** One namespace's table, in the kernel's order: listeners, then established sockets in hash order. */
export interface NetnsSockets {
  readonly netns: number;
  readonly sockets: readonly SimSocket[];
}

/** A seeded walk through the ephemeral range that visits every port once before repeating. */
export class PortSequence {
  private readonly start: number;
  private readonly step: number;

  constructor(seed: number, ...keys: readonly (string | number)[]) {
    const random = rng(seed, 'ports', ...keys);
    this.start = random.int(0, EPHEMERAL_PORT_COUNT - 1);
    // Odd and not a multiple of 3529: coprime with 28232 = 8 * 3529, so the walk is a permutation.
    let step: number;
    do step = 2 * random.int(2000, 12000) + 1;
    while (step % 3529 === 0);
    this.step = step;
  }

  /** The k-th port handed out. */
  port(k: number): number {
    return EPHEMERAL_PORT_FIRST + ((this.start + k * this.step) % EPHEMERAL_PORT_COUNT);
  }
}

/**
 * Where one traffic entry's connections run from, and in which socket family: the pod's address of the
 * destination's family; for a dual-stack socket (`socket: ipv6`) to an IPv4 destination, an AF_INET6 socket
 * whose IPv4 traffic the kernel keeps as v4-mapped addresses (tcp6, `::ffff:a.b.c.d`). The socket tables and
 * the trace both take it from here, so that they agree.
 */
export function trafficEndpoints(
  pod: { readonly podIP: string; readonly podIPs: readonly string[] },
  traffic: { readonly to: string; readonly socket: 'ipv4' | 'ipv6' },
): { readonly family: 4 | 6; readonly mapped: boolean; readonly local: string; readonly to: Endpoint } {
  const to = parseHostPort(traffic.to) as Endpoint;
  const local = pod.podIPs.find((ip) => parseIp(ip)?.version === to.family) ?? pod.podIP;
  const mapped = to.family === 4 && traffic.socket === 'ipv6';
  return { family: mapped ? 6 : to.family, mapped, local, to };
}

/** The key of a (netns, local address) port sequence. */
export function portSequenceKey(nodeName: string, netns: number, address: string): string[] {
  return [nodeName, String(netns), address];
}

interface Builder {
  readonly sockets: SimSocket[];
  readonly listeners: SimSocket[];
}

export interface NodeSockets {
  readonly byNetns: ReadonlyMap<number, NetnsSockets>;
  /** How many ports of each (netns, address) sequence the table took: the trace continues from there. */
  readonly portsTaken: ReadonlyMap<string, number>;
}

/** Builds every netns's table of the node. */
export function buildNodeSockets(input: {
  readonly seed: number;
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly identities: NodeIdentities;
}): NodeSockets {
  const { seed, nodeName, nodeIp, identities } = input;
  const inodes = rng(seed, 'socket-inodes', nodeName);
  const pointers = rng(seed, 'socket-pointers', nodeName);
  let nextInode = inodes.int(18000, 32000);
  const fds = new Map<number, number>();
  const builders = new Map<number, Builder>();
  const sequences = new Map<string, { sequence: PortSequence; taken: number }>();

  const builder = (netns: number): Builder => {
    let known = builders.get(netns);
    if (known === undefined) {
      known = { sockets: [], listeners: [] };
      builders.set(netns, known);
    }
    return known;
  };
  const nextFd = (process: SimProcess): number => {
    const fd = fds.get(process.pid) ?? 3 + rng(seed, 'fds', nodeName, process.pid).int(0, 14);
    fds.set(process.pid, fd + 1);
    return fd;
  };
  const ephemeral = (netns: number, address: string): number => {
    const key = portSequenceKey(nodeName, netns, address).join(' ');
    let known = sequences.get(key);
    if (known === undefined) {
      known = { sequence: new PortSequence(seed, ...portSequenceKey(nodeName, netns, address)), taken: 0 };
      sequences.set(key, known);
    }
    return known.sequence.port(known.taken++);
  };
  const add = (
    process: SimProcess,
    socket: Omit<SimSocket, 'pid' | 'fd' | 'uid' | 'inode' | 'pointer' | 'dualStack'> &
      Partial<Pick<SimSocket, 'dualStack'>>,
  ): void => {
    const full: SimSocket = {
      dualStack: false,
      ...socket,
      pid: process.pid,
      fd: nextFd(process),
      uid: process.uid,
      inode: nextInode,
      pointer: `00000000${pointers.hex(4)}`,
    };
    nextInode += inodes.int(1, 9);
    const into = builder(process.netns);
    (full.state === 'LISTEN' ? into.listeners : into.sockets).push(full);
  };
  const listen = (process: SimProcess, family: 4 | 6, address: string, port: number, dualStack = false) =>
    add(process, {
      family,
      localAddress: address,
      localPort: port,
      remoteAddress: family === 4 ? '0.0.0.0' : '::',
      remotePort: 0,
      state: 'LISTEN',
      dualStack,
    });
  const connect = (process: SimProcess, local: string, to: Endpoint, family: 4 | 6 = to.family) =>
    add(process, {
      family,
      localAddress: local,
      localPort: ephemeral(process.netns, local),
      remoteAddress: to.address,
      remotePort: to.port,
      state: 'ESTABLISHED',
    });

  // The node's daemons, in the order they start.
  const { daemons } = identities;
  listen(daemons.resolved, 4, '127.0.0.53', 53);
  listen(daemons.sshd, 4, '0.0.0.0', 22);
  listen(daemons.sshd, 6, '::', 22);
  listen(daemons.containerd, 4, '127.0.0.1', rng(seed, 'containerd-port', nodeName).int(33000, 45000));
  connect(daemons.waagent, nodeIp, { address: WIRESERVER_IP, port: 32526, family: 4 });
  listen(daemons.kubelet, 4, '127.0.0.1', 10248);
  listen(daemons.kubelet, 6, '::', 10250, true);
  connect(daemons.kubelet, nodeIp, { address: API_SERVER_IP, port: 443, family: 4 });

  const byPid = new Map(identities.processes.map((process) => [process.pid, process]));
  let hostNetworkPods = 0;
  for (const { pod, scenario } of identities.pods) {
    const processOf = new Map(pod.containers.map((c) => [c.name, byPid.get(c.pid) as SimProcess]));
    const first = processOf.get((pod.containers[0] as { name: string }).name) as SimProcess;
    const v6 = !pod.hostNetwork && parseIp(pod.podIP)?.version === 6;
    const dual = !pod.hostNetwork && pod.podIPs.length > 1;
    if (pod.hostNetwork) listen(first, 4, '0.0.0.0', 9100 + hostNetworkPods++);
    else if (!pod.filler)
      listen(first, v6 || dual ? 6 : 4, v6 || dual ? '::' : '0.0.0.0', POD_LISTEN_PORT, dual);
    for (const traffic of scenario.traffic) {
      const { family, local, to } = trafficEndpoints(pod, traffic);
      const process = processOf.get(traffic.container) as SimProcess;
      for (let i = 0; i < traffic.established; i++) connect(process, local, to, family);
    }
  }

  const byNetns = new Map<number, NetnsSockets>();
  for (const [netns, built] of builders) {
    byNetns.set(netns, {
      netns,
      sockets: [...built.listeners, ...hashOrder(built.sockets, rng(seed, 'hash-order', nodeName, netns))],
    });
  }
  if (!byNetns.has(HOST_NETNS)) byNetns.set(HOST_NETNS, { netns: HOST_NETNS, sockets: [] });
  for (const { netns } of identities.pods)
    if (!byNetns.has(netns)) byNetns.set(netns, { netns, sockets: [] });
  const portsTaken = new Map([...sequences].map(([key, { taken }]) => [key, taken]));
  return { byNetns, portsTaken };
}

/** The kernel walks its established hash by bucket: to a reader, an order with no pattern. */
function hashOrder<T>(items: readonly T[], random: ReturnType<typeof rng>): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
