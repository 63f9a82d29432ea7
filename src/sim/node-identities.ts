/**
 * Who is who on one simulated node: the node's own processes, and for every pod its sandbox and container
 * IDs, network namespace, containerd shim, pause process and container processes — numbered the way a real
 * node numbers them, and the same for the same seed.
 *
 * - PIDs are host PIDs (the debug pod runs with hostPID), increasing in start order: systemd is 1, the
 *   node's daemons follow in boot order, then each pod in turn: its shim, the shim's threads, the pause
 *   process, then each container's process and threads.
 * - Network namespace inodes: the node's own is 4026531992; each pod's comes from 4026532xxx upwards, with
 *   gaps for the other namespaces (mount, uts, ipc, pid) created along with it. hostNetwork pods share the
 *   node's netns, multi-container pods share one.
 * - Sandbox and container IDs are 64 hex characters, as containerd prints them.
 */
import type { ScenarioPod, ContainerTool } from './scenario';
import { rng, uuid, type Rng } from './random';

/** The node's own network namespace inode (init_net on the 5.15 kernels of AKS's Ubuntu nodes). */
export const HOST_NETNS = 4026531992;
/** Kernel threads: processes lsns counts in the node's netns, not shown by pstree 1. */
export const KERNEL_THREADS = 68;
/** The port every application pod listens on (kubelet probes it). */
export const POD_LISTEN_PORT = 8080;
/** A node's pods come up after this moment (plus the node's own offset): fixed, so outputs are reproducible. */
const EPOCH_MS = Date.UTC(2024, 5, 17, 4, 0, 0);

export interface SimProcess {
  readonly pid: number;
  readonly ppid: number;
  /** The kernel's 15-character name, what pstree and ss print. */
  readonly comm: string;
  readonly argv: readonly string[];
  readonly uid: number;
  readonly netns: number;
  /** Thread IDs besides the main thread; threads carry the process's comm. */
  readonly threads: readonly number[];
}

/** A container as the API server and the container runtime both know it. */
export interface SimContainer {
  readonly name: string;
  readonly image: string;
  /** `sha256:<64 hex>`, the same for the same image. */
  readonly imageId: string;
  /** 64 hex characters; the API shows it as `containerd://<id>`. */
  readonly containerId: string;
  readonly tools: readonly ContainerTool[];
  readonly command: readonly string[];
  /** Host PID of the container's process. */
  readonly pid: number;
  /** ISO 8601 UTC. */
  readonly startedAt: string;
}

/** A pod as the API server would show it, plus the runtime's view of it (sandbox, netns). */
export interface SimPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly nodeName: string;
  readonly hostNetwork: boolean;
  /** status.podIP: the node IP for hostNetwork pods. */
  readonly podIP: string;
  readonly podIPs: readonly string[];
  readonly hostIP: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly containers: readonly SimContainer[];
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  /** A generated idle pod (`fillerPods`). */
  readonly filler: boolean;
  readonly sandboxId: string;
}

/** One pod on the node with everything the tools print about it. */
export interface PodIdentity {
  readonly pod: SimPod;
  readonly scenario: ScenarioPod;
  readonly netns: number;
  /** `/run/netns/cni-<uuid>`; null for hostNetwork pods. */
  readonly netnsPath: string | null;
  /** The id the node's netns knows the pod's netns by; null for hostNetwork pods. */
  readonly netnsId: number | null;
  readonly shimPid: number;
  readonly pausePid: number;
  readonly createdAtMs: number;
  /** Container start times, in container order. */
  readonly containerStartMs: readonly number[];
}

export interface NodeIdentities {
  readonly processes: readonly SimProcess[];
  readonly pods: readonly PodIdentity[];
  readonly bootMs: number;
  /** The node's daemons by role, for their sockets and trace events. */
  readonly daemons: Readonly<Record<DaemonRole, SimProcess>>;
}

export type DaemonRole =
  'journald' | 'udevd' | 'networkd' | 'resolved' | 'sshd' | 'containerd' | 'waagent' | 'kubelet';

const KUBELET_ARGV = [
  '/usr/local/bin/kubelet',
  '--enable-server',
  '--node-labels=agentpool=nodepool1,kubernetes.azure.com/agentpool=nodepool1,kubernetes.azure.com/mode=system',
  '--v=2',
  '--volume-plugin-dir=/etc/kubernetes/volumeplugins',
  '--kubeconfig',
  '/var/lib/kubelet/kubeconfig',
  '--bootstrap-kubeconfig',
  '/var/lib/kubelet/bootstrap-kubeconfig',
  '--runtime-request-timeout=15m',
  '--container-runtime-endpoint=unix:///run/containerd/containerd.sock',
  '--runtime-cgroups=/system.slice/containerd.service',
  '--cgroup-driver=systemd',
];

const DAEMONS: readonly { role: DaemonRole; argv: readonly string[]; threads: number }[] = [
  { role: 'journald', argv: ['/lib/systemd/systemd-journald'], threads: 0 },
  { role: 'udevd', argv: ['/lib/systemd/systemd-udevd'], threads: 0 },
  { role: 'networkd', argv: ['/lib/systemd/systemd-networkd'], threads: 0 },
  { role: 'resolved', argv: ['/lib/systemd/systemd-resolved'], threads: 0 },
  { role: 'sshd', argv: ['/usr/sbin/sshd', '-D'], threads: 0 },
  { role: 'containerd', argv: ['/usr/bin/containerd'], threads: 3 },
  { role: 'waagent', argv: ['python3', '-u', '/usr/sbin/waagent', '-run-exthandlers'], threads: 2 },
  { role: 'kubelet', argv: KUBELET_ARGV, threads: 4 },
];

const SHIM_PATH = '/usr/bin/containerd-shim-runc-v2';
const CONTAINERD_SOCKET = '/run/containerd/containerd.sock';

/** The kernel's comm: the executable's file name, cut to 15 characters (TASK_COMM_LEN - 1). */
export function commOf(argv0: string): string {
  return (argv0.split('/').pop() ?? argv0).slice(0, 15);
}

/** `checkout-5d8f7` -> `checkout`: the name without the generated suffixes a controller adds. */
function appLabel(name: string): string {
  const base = name.replace(/(?:-(?=[a-z]*[0-9])[a-z0-9]{4,10})+$/, '');
  return base === '' ? name : base;
}

function isoWithNanos(ms: number, random: Rng): string {
  return `${new Date(ms).toISOString().slice(0, -1)}${String(random.int(0, 999999)).padStart(6, '0')}Z`;
}

/**
 * Lays out one node. `pods` are the node's pods in creation order (the scenario's, then the fillers; a
 * filler's `filler` flag comes from `fillerCount`, the number of trailing fillers).
 */
export function layOutNode(input: {
  readonly seed: number;
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly pods: readonly ScenarioPod[];
  readonly fillerCount: number;
}): NodeIdentities {
  const { seed, nodeName, nodeIp } = input;
  const pids = rng(seed, 'pids', nodeName);
  const times = rng(seed, 'times', nodeName);
  const inodes = rng(seed, 'netns-inodes', nodeName);
  const processes: SimProcess[] = [
    { pid: 1, ppid: 0, comm: 'systemd', argv: ['/sbin/init'], uid: 0, netns: HOST_NETNS, threads: [] },
  ];
  const bootMs = EPOCH_MS + times.int(0, 72) * 3600_000 + times.int(0, 3599) * 1000;

  let cursor = pids.int(280, 380);
  const start = (argv: readonly string[], ppid: number, uid: number, netns: number, threads: number) => {
    const pid = cursor;
    const process: SimProcess = {
      pid,
      ppid,
      comm: commOf(argv[0] as string),
      argv,
      uid,
      netns,
      threads: Array.from({ length: threads }, (_, i) => pid + 1 + i),
    };
    processes.push(process);
    cursor = pid + threads + 1;
    return process;
  };

  const daemons = {} as Record<DaemonRole, SimProcess>;
  for (const daemon of DAEMONS) {
    daemons[daemon.role] = start(daemon.argv, 1, 0, HOST_NETNS, daemon.threads);
    cursor += pids.int(8, 90);
  }
  cursor += pids.int(900, 1600);

  let netnsCursor = 4026532100 + inodes.int(0, 150);
  let netnsIds = 0;
  let createdMs = bootMs + times.int(40, 90) * 1000;
  const pods = input.pods.map((scenarioPod, index): PodIdentity => {
    const filler = index >= input.pods.length - input.fillerCount;
    const key = [nodeName, scenarioPod.namespace, scenarioPod.name] as const;
    const ids = rng(seed, 'ids', ...key);
    const sandboxId = ids.hex(32);
    const uid = uuid(rng(seed, 'uid', scenarioPod.namespace, scenarioPod.name));

    let netns = HOST_NETNS;
    let netnsPath: string | null = null;
    let netnsId: number | null = null;
    if (!scenarioPod.hostNetwork) {
      netns = netnsCursor + inodes.int(1, 6);
      netnsPath = `/run/netns/cni-${uuid(rng(seed, 'netns-path', ...key))}`;
      netnsId = netnsIds++;
    }
    // The pod's other namespaces (uts, ipc, mount, pid, and each container's) take the inodes after it.
    netnsCursor = Math.max(netnsCursor, netns) + 4 + 3 * scenarioPod.containers.length + inodes.int(0, 9);

    createdMs += times.int(3, 240) * 1000;
    const shim = start(
      [SHIM_PATH, '-namespace', 'k8s.io', '-id', sandboxId, '-address', CONTAINERD_SOCKET],
      1,
      0,
      HOST_NETNS,
      2,
    );
    cursor += pids.int(12, 24);
    const pause = start(['/pause'], shim.pid, 65535, netns, 0);
    const containerStartMs: number[] = [];
    const containers = scenarioPod.containers.map((container): SimContainer => {
      cursor += pids.int(20, 70);
      const process = start(container.command, shim.pid, 0, netns, 2);
      const startedMs = createdMs + times.int(2, 12) * 1000;
      containerStartMs.push(startedMs);
      return {
        name: container.name,
        image: container.image,
        imageId: `sha256:${rng(seed, 'image', container.image).hex(32)}`,
        containerId: ids.hex(32),
        tools: container.tools,
        command: container.command,
        pid: process.pid,
        startedAt: new Date(startedMs).toISOString().replace('.000Z', 'Z'),
      };
    });
    cursor += pids.int(20, 140);

    const podIP = scenarioPod.hostNetwork ? nodeIp : (scenarioPod.ip as string);
    const podIPs = scenarioPod.hostNetwork || scenarioPod.ips.length === 0 ? [podIP] : scenarioPod.ips;
    return {
      pod: {
        namespace: scenarioPod.namespace,
        name: scenarioPod.name,
        uid,
        nodeName,
        hostNetwork: scenarioPod.hostNetwork,
        podIP,
        podIPs,
        hostIP: nodeIp,
        labels: { app: appLabel(scenarioPod.name) },
        containers,
        createdAt: new Date(createdMs).toISOString().replace('.000Z', 'Z'),
        filler,
        sandboxId,
      },
      scenario: scenarioPod,
      netns,
      netnsPath,
      netnsId,
      shimPid: shim.pid,
      pausePid: pause.pid,
      createdAtMs: createdMs,
      containerStartMs,
    };
  });

  return { processes, pods, bootMs, daemons };
}

/** `kubernetes.io/config.seen`-style timestamps: ISO 8601 with nanoseconds, reproducible. */
export function seenAt(seed: number, nodeName: string, ms: number): string {
  return isoWithNanos(ms, rng(seed, 'seen', nodeName, ms));
}
