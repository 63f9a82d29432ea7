import { z } from 'zod';
import { classifierFor, type IpClassifier } from '../core/classify-ip';
import {
  evidenceToJson,
  podKey,
  resolveNodeEvidence,
  type NodeEvidence,
  type NodeEvidenceJson,
  type NodePod,
} from '../core/correlate';
import { oneLine } from '../core/errors';
import type { PodRef } from '../core/finding';
import { parseCrictlPods, type PodSandbox } from '../core/parse-crictl';
import { parseLsns, type NetNamespace } from '../core/parse-lsns';
import { findShimSandboxId, parsePstree } from '../core/parse-pstree';
import { parseSocketTable } from '../core/parse-sockets';
import { countPodSockets, type SocketReading } from '../core/rank-pods';
import { splitProcNetTcp } from '../core/split-proc-net-tcp';
import type { CommandRecord } from '../core/node-command-record';
import { DEBUG_CONTAINER, debugPodName } from '../adapters/kube/debug-pod';
import { inPodSocketCommands, nodeCommands } from '../workflow/node-commands';
import type { ArchivePort, ExecResult, KubePort } from '../workflow/ports';
import {
  archiveFolderSchema,
  clusterInfoSchema,
  defineActivity,
  investigationIdSchema,
  kubeFor,
  nodePodSchema,
  privateCidrsSchema,
} from './activity';
import { NodeShell } from './node-shell';

/** Pods whose socket tables one exec reads: keeps the exec URL (a query parameter a file) short. */
const SOCKET_BATCH = 50;

export interface NodeInspection {
  /**
   * Who owns each netns, and which processes belong to hostNetwork pods: the trace's connects from the
   * host netns are split by PID. Other PIDs are not needed (their pods have a netns of their own).
   */
  readonly evidence: NodeEvidenceJson;
  /** Every pod's ESTABLISHED sockets, counted here: the tables themselves go to the archive only. */
  readonly sockets: readonly { readonly pod: PodRef; readonly reading: SocketReading }[];
  readonly problems: readonly string[];
  readonly commands: readonly CommandRecord[];
}

/**
 * The runbook's correlation (lsns -> pstree -> crictl) and every pod's socket table, read through the
 * debug pod from the host side. Raw outputs go to the archive; counts and the evidence come back.
 */
export const inspectNode = defineActivity({
  name: 'inspectNode',
  input: z.object({
    cluster: clusterInfoSchema,
    investigationId: investigationIdSchema,
    pods: z.array(nodePodSchema).max(5000).readonly(),
    archiveFolder: archiveFolderSchema,
    privateCidrs: privateCidrsSchema,
    /** False when the debug pod is not running: each pod's own table is read by kubectl exec instead. */
    hostSide: z.boolean().default(true),
  }),
  run: async (input, ports): Promise<NodeInspection> => {
    const kube = await kubeFor(ports, input.cluster);
    const name = debugPodName(input.investigationId);
    const debug: DebugPod = {
      kube,
      shell: new NodeShell(kube, ports.debugNamespace, name, DEBUG_CONTAINER, 'inspectNode'),
      records: [],
      archive: ports.archive(input.archiveFolder),
    };
    const problems: string[] = [];
    const evidence = input.hostSide
      ? await correlate(debug, problems)
      : resolveNodeEvidence({ namespaces: [], pidSandboxes: new Map(), sandboxes: [] });
    const sockets = await readSockets(
      debug,
      input.pods,
      evidence,
      classifierFor(input.privateCidrs),
      ports.socketConcurrency ?? 4,
      input.hostSide,
    );
    return {
      evidence: evidenceToJson(evidence, hostNetworkPids(evidence, input.pods)),
      sockets: input.pods.map((pod) => ({
        pod: { namespace: pod.namespace, name: pod.name },
        reading: sockets.get(podKey(pod)) ?? { kind: 'failed', reason: 'not read' },
      })),
      problems,
      commands: [...debug.shell.records, ...debug.records],
    };
  },
});

function hostNetworkPids(evidence: NodeEvidence, pods: readonly NodePod[]): Set<number> {
  const hostNetwork = new Set(pods.filter((pod) => pod.hostNetwork).map(podKey));
  const pids = new Set<number>();
  for (const [pid, pod] of evidence.pidPods) if (hostNetwork.has(podKey(pod))) pids.add(pid);
  return pids;
}

interface DebugPod {
  readonly kube: KubePort;
  /** Execs into the debug pod, each kept for commands.txt. */
  readonly shell: NodeShell;
  /** The kubectl exec fallbacks into application pods, for commands.txt too. */
  readonly records: CommandRecord[];
  readonly archive: ArchivePort;
}

function execIn(debug: DebugPod, command: readonly string[]) {
  return debug.shell.run(command);
}

/** lsns -> pstree -> crictl, as the runbook walks them, for every netns and every process on the node. */
async function correlate(debug: DebugPod, problems: string[]): Promise<NodeEvidence> {
  const run = async (file: string, command: string[]): Promise<string | null> => {
    let result: ExecResult;
    try {
      result = await execIn(debug, command);
    } catch (error) {
      // Exec refused or the API server failing past its retries: the correlation goes without it.
      problems.push(`${file.replace(/\..*$/, '')} not run: ${oneLine(error)}`);
      return null;
    }
    await debug.archive.write(`correlation/${file}`, result.stdout);
    if (result.exitCode !== 0) {
      problems.push(`${command.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
      return null;
    }
    return result.stdout;
  };
  const [lsns, pstree, crictl] = await Promise.all([
    run('lsns.json', nodeCommands.lsns()),
    run('pstree.txt', nodeCommands.pstree()),
    run('crictl-pods.json', nodeCommands.crictlPods()),
  ]);
  let namespaces: NetNamespace[] = [];
  let sandboxes: PodSandbox[] = [];
  const pidSandboxes = new Map<number, string | null>();
  try {
    if (lsns !== null) namespaces = parseLsns(lsns);
    if (crictl !== null) sandboxes = parseCrictlPods(crictl);
    if (pstree !== null) {
      const tree = parsePstree(pstree);
      // Every process of the node: lsns's and the trace's PIDs are among them, and one outside the tree
      // (exited since) has no shim to find.
      for (const node of tree) pidSandboxes.set(node.pid, findShimSandboxId(tree, node.pid));
    }
  } catch (error) {
    problems.push(`correlation output not understood: ${oneLine(error)}`);
  }
  return resolveNodeEvidence({ namespaces, pidSandboxes, sandboxes });
}

/**
 * Every pod's socket table, read from the host side: /proc/<pid>/net/tcp{,6} of a process in the pod's
 * netns, or for hostNetwork pods `ss -tnp` in the host netns (their sockets are told apart by PID).
 */
async function readSockets(
  debug: DebugPod,
  pods: readonly NodePod[],
  evidence: NodeEvidence,
  classifier: IpClassifier,
  concurrency: number,
  hostSide: boolean,
): Promise<Map<string, SocketReading>> {
  const sockets = new Map<string, SocketReading>();
  const count = (pod: NodePod, text: string): SocketReading => {
    try {
      return {
        kind: 'counted',
        counts: countPodSockets(pod, parseSocketTable(text), evidence.pidPods, classifier),
      };
    } catch (error) {
      return { kind: 'failed', reason: oneLine(error) };
    }
  };
  const netnsOf = new Map<string, number>();
  for (const [netns, pod] of evidence.netnsPods) netnsOf.set(podKey(pod), netns);
  const pidOfNetns = new Map<number, number>();
  for (const [pid, pod] of evidence.pidPods) {
    const netns = netnsOf.get(podKey(pod));
    if (netns !== undefined && !pidOfNetns.has(netns)) pidOfNetns.set(netns, pid);
  }
  const read = async (command: string[], file: string): Promise<{ text: string } | { reason: string }> => {
    let result: ExecResult;
    try {
      result = await execIn(debug, command);
    } catch (error) {
      return { reason: oneLine(error) };
    }
    await debug.archive.write(file, result.stdout);
    return result.exitCode === 0
      ? { text: result.stdout }
      : { reason: `${command.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}` };
  };
  const hostPods: NodePod[] = [];
  const unseen: NodePod[] = [];
  // Pods read from /proc go in batches: one exec (one WebSocket) per SOCKET_BATCH pods, not one each.
  const byProc: { pod: NodePod; pid: number }[] = [];
  for (const pod of pods) {
    const key = podKey(pod);
    if (pod.hostNetwork) {
      if (hostSide) hostPods.push(pod);
      else
        sockets.set(key, {
          kind: 'failed',
          reason:
            "a hostNetwork pod shares the node's socket table, told apart by PID from the host side: no debug pod ran",
        });
      continue;
    }
    const netns = netnsOf.get(key);
    const pid = netns === undefined ? undefined : pidOfNetns.get(netns);
    if (pid === undefined) {
      unseen.push(pod);
    } else {
      byProc.push({ pod, pid });
    }
  }
  const batches: (typeof byProc)[] = [];
  for (let i = 0; i < byProc.length; i += SOCKET_BATCH) batches.push(byProc.slice(i, i + SOCKET_BATCH));
  // hostNetwork pods share one table, the node's, read alongside the batches.
  const readHost = async () => {
    if (hostPods.length === 0) return;
    const host = await read(nodeCommands.hostSockets(), 'sockets/host-netns.txt');
    for (const pod of hostPods) {
      sockets.set(
        podKey(pod),
        'text' in host ? count(pod, host.text) : { kind: 'failed', reason: host.reason },
      );
    }
  };
  const readBatches = mapLimited(batches, concurrency, async (batch) => {
    const result = await execIn(debug, nodeCommands.procNetTcpMany(batch.map((b) => b.pid))).catch(
      () => null,
    );
    // A failed batch is read again pod by pod, each with its own reason.
    const tables =
      result !== null && result.exitCode === 0 ? splitProcNetTcp(result.stdout, batch.length) : null;
    const writes: Promise<void>[] = [];
    const misfits: typeof batch = [];
    for (const [index, entry] of batch.entries()) {
      const table = tables?.[index];
      if (table === undefined) {
        misfits.push(entry);
        continue;
      }
      sockets.set(podKey(entry.pod), count(entry.pod, table));
      // Archived without waiting on each other: 50 files one after another cost more than the exec.
      writes.push(debug.archive.write(socketFile(entry.pod), table));
    }
    // The batch did not line up (a process exited, say): these pods one by one.
    for (const { pod, pid } of misfits) {
      const single = await read(nodeCommands.procNetTcp(pid), socketFile(pod));
      sockets.set(
        podKey(pod),
        'text' in single ? count(pod, single.text) : { kind: 'failed', reason: single.reason },
      );
    }
    await Promise.all(writes);
  });
  // Pods the host side does not show (no process found): `kubectl exec` into them, as the runbook does.
  const readUnseen = mapLimited(unseen, concurrency, async (pod) => {
    sockets.set(podKey(pod), await readInPod(debug, pod, count, hostSide));
  });
  await Promise.all([readHost(), readBatches, readUnseen]);
  return sockets;
}

/** The pod's own table through `kubectl exec`: each container, each tool, until one answers. */
async function readInPod(
  debug: DebugPod,
  pod: NodePod,
  count: (pod: NodePod, text: string) => SocketReading,
  hostSide: boolean,
): Promise<SocketReading> {
  const tried: string[] = [];
  for (const container of pod.containers ?? []) {
    for (const command of inPodSocketCommands) {
      let result: ExecResult;
      const shell = new NodeShell(
        debug.kube,
        pod.namespace,
        pod.name,
        container,
        'inspectNode',
        `${pod.namespace}/${pod.name}/${container} (kubectl exec)`,
      );
      try {
        result = await shell.run(command);
        debug.records.push(...shell.records);
      } catch (error) {
        debug.records.push(...shell.records);
        tried.push(`${container}: ${oneLine(error)}`);
        break; // this container refuses any exec
      }
      if (result.exitCode === 0) {
        await debug.archive.write(socketFile(pod), result.stdout);
        return count(pod, result.stdout);
      }
      tried.push(`${container}: ${command[0]} exited ${result.exitCode}`);
    }
  }
  const containers = (pod.containers ?? []).join(', ');
  const how =
    tried.length === 0
      ? 'no container to exec into'
      : tried.every((t) => / exited 12[67]$/.test(t))
        ? `kubectl exec found no ${inPodSocketCommands.map((c) => c[0]).join(', ')} in ${containers}`
        : `kubectl exec: ${tried.join('; ')}`;
  return {
    kind: 'failed',
    reason: `${hostSide ? 'no process of the pod found on the node (lsns/pstree/crictl)' : 'no debug pod to read it from the host side'}, and ${how}`,
  };
}

function socketFile(pod: PodRef): string {
  return `sockets/${pod.namespace}__${pod.name}.txt`;
}

/** At most `limit` of `items` at once, results in order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
