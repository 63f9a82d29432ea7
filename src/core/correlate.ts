import type { TraceSource, TraceSummary } from './aggregate-trace';
import type { PodRef } from './finding';
import type { NetNamespace } from './parse-lsns';
import type { PodSandbox } from './parse-crictl';
import { findSandbox } from './parse-crictl';

/** A pod on the investigated node, as the API server (or the engineer's `--sockets` flags) tells it. */
export interface NodePod extends PodRef {
  /** All of the pod's IPs (dual-stack pods have two); empty for hostNetwork pods, which use the node's. */
  readonly ips: readonly string[];
  readonly hostNetwork: boolean;
  /** Its containers' names, when the API server told them: where `kubectl exec` can be tried. */
  readonly containers?: readonly string[];
}

/**
 * What the node says about who owns a network namespace and a process, already resolved to pods:
 * lsns (netns -> a PID in it), pstree (PID -> its containerd shim's sandbox ID), crictl (sandbox -> pod).
 */
export interface NodeEvidence {
  readonly netnsPods: ReadonlyMap<number, PodRef>;
  readonly pidPods: ReadonlyMap<number, PodRef>;
  /** The node's own network namespace (PID 1's), shared by hostNetwork pods and node daemons. */
  readonly hostNetns: number | null;
}

export const NO_NODE_EVIDENCE: NodeEvidence = { netnsPods: new Map(), pidPods: new Map(), hostNetns: null };

/** NodeEvidence as plain data, for passing between the investigation's steps. */
export interface NodeEvidenceJson {
  readonly netnsPods: readonly { readonly netns: number; readonly pod: PodRef }[];
  readonly pidPods: readonly { readonly pid: number; readonly pod: PodRef }[];
  readonly hostNetns: number | null;
}

/** The evidence as plain data, the owners of `pids` only (the node has far more processes than are needed). */
export function evidenceToJson(evidence: NodeEvidence, pids: ReadonlySet<number>): NodeEvidenceJson {
  return {
    netnsPods: [...evidence.netnsPods].map(([netns, pod]) => ({ netns, pod })),
    pidPods: [...evidence.pidPods].filter(([pid]) => pids.has(pid)).map(([pid, pod]) => ({ pid, pod })),
    hostNetns: evidence.hostNetns,
  };
}

export function evidenceFromJson(json: NodeEvidenceJson): NodeEvidence {
  return {
    netnsPods: new Map(json.netnsPods.map(({ netns, pod }) => [netns, pod])),
    pidPods: new Map(json.pidPods.map(({ pid, pod }) => [pid, pod])),
    hostNetns: json.hostNetns,
  };
}

export function podKey(pod: PodRef): string {
  return `${pod.namespace}/${pod.name}`;
}

/**
 * Joins the runbook's lsns -> pstree -> crictl walk. `pidSandboxes` holds, for each PID that was looked
 * up with pstree, the sandbox ID of its containerd shim (null for host processes).
 */
export function resolveNodeEvidence(input: {
  readonly namespaces: readonly NetNamespace[];
  readonly pidSandboxes: ReadonlyMap<number, string | null>;
  readonly sandboxes: readonly PodSandbox[];
}): NodeEvidence {
  const pidPods = new Map<number, PodRef>();
  for (const [pid, sandboxId] of input.pidSandboxes) {
    const sandbox = sandboxId === null ? null : findSandbox(input.sandboxes, sandboxId);
    if (sandbox !== null) pidPods.set(pid, { namespace: sandbox.namespace, name: sandbox.name });
  }
  // The lowest PID (init, or kthreadd where init is hidden) always lives in the node's own netns.
  let host: NetNamespace | null = null;
  for (const ns of input.namespaces) if (host === null || ns.pid < host.pid) host = ns;
  const hostNetns = host?.ns ?? null;
  const netnsPods = new Map<number, PodRef>();
  for (const ns of input.namespaces) {
    const pod = pidPods.get(ns.pid);
    // A hostNetwork pod's processes live in the host netns: that netns belongs to the node, not to them.
    if (pod !== undefined && ns.ns !== hostNetns) netnsPods.set(ns.ns, pod);
  }
  return { netnsPods, pidPods, hostNetns };
}

/** Traced connects charged to one pod: whole sources (its own netns or IP) and processes (host netns). */
export interface PodTraffic {
  readonly sources: readonly TraceSource[];
  readonly processes: readonly TraceSource['processes'][number][];
}

export interface TraceAttribution {
  /** Keyed by `saddr netns`; null when the source is the node's own netns or nobody's. */
  readonly sourcePods: ReadonlyMap<string, PodRef | null>;
  readonly podTraffic: ReadonlyMap<string, PodTraffic>;
  /** Connects from host-netns processes outside any pod (kubelet, node daemons). */
  readonly nodeProcesses: readonly TraceSource['processes'][number][];
  readonly warnings: readonly string[];
}

export function sourceKey(source: Pick<TraceSource, 'saddr' | 'netns'>): string {
  return `${source.saddr} ${source.netns ?? ''}`;
}

/**
 * Says which pod made each traced connect. A source (saddr, netns) belongs to a pod by its netns
 * (strongest: the node's own word) or else by its address. The host netns is shared by hostNetwork pods
 * and node daemons, so its connects are split by PID, never charged to whoever else shares the address.
 */
export function attributeTrace(
  trace: TraceSummary,
  pods: readonly NodePod[],
  evidence: NodeEvidence,
  nodeIps: readonly string[] = [],
): TraceAttribution {
  const warnings: string[] = [];
  const podsByIp = new Map<string, NodePod[]>();
  for (const pod of pods) {
    for (const ip of pod.ips) podsByIp.set(ip, [...(podsByIp.get(ip) ?? []), pod]);
  }
  const sourcePods = new Map<string, PodRef | null>();
  const podTraffic = new Map<
    string,
    { sources: TraceSource[]; processes: TraceSource['processes'][number][] }
  >();
  const nodeProcesses: TraceSource['processes'][number][] = [];
  const trafficOf = (pod: PodRef) => {
    let traffic = podTraffic.get(podKey(pod));
    if (traffic === undefined) {
      traffic = { sources: [], processes: [] };
      podTraffic.set(podKey(pod), traffic);
    }
    return traffic;
  };
  const sharedAddresses = new Set<string>();

  for (const source of trace.sources) {
    const byNetns = source.netns === null ? undefined : evidence.netnsPods.get(source.netns);
    const isHostNetns =
      (source.netns !== null && source.netns === evidence.hostNetns) ||
      (evidence.hostNetns === null && nodeIps.includes(source.saddr));
    const byIp = podsByIp.get(source.saddr) ?? [];
    if (byNetns !== undefined) {
      sourcePods.set(sourceKey(source), byNetns);
      trafficOf(byNetns).sources.push(source);
    } else if (!isHostNetns && byIp.length === 1 && byIp[0] !== undefined && !byIp[0].hostNetwork) {
      sourcePods.set(sourceKey(source), byIp[0]);
      trafficOf(byIp[0]).sources.push(source);
    } else {
      sourcePods.set(sourceKey(source), null);
      const shared = isHostNetns || byIp.length > 1 || byIp.some((pod) => pod.hostNetwork);
      if (!shared) continue;
      for (const process of source.processes) {
        const pod = evidence.pidPods.get(process.pid);
        if (pod !== undefined) trafficOf(pod).processes.push(process);
        else if (isHostNetns) nodeProcesses.push(process);
      }
      if (!isHostNetns && byIp.length > 1 && source.connects > 0) sharedAddresses.add(source.saddr);
    }
  }
  for (const address of sharedAddresses) {
    const owners = (podsByIp.get(address) ?? []).map(podKey).join(', ');
    warnings.push(
      `traced connects from ${address} are not charged to any pod: ${owners} all use that address and no process evidence tells them apart`,
    );
  }
  return { sourcePods, podTraffic, nodeProcesses, warnings };
}
