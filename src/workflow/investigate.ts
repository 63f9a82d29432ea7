import type { V1Pod } from '@kubernetes/client-node';
import { TraceAggregator, type TraceSummary } from '../core/aggregate-trace';
import { buildFinding, failedFinding } from '../core/build-finding';
import { IpClassifier, type Cidr } from '../core/classify-ip';
import {
  podKey,
  resolveNodeEvidence,
  NO_NODE_EVIDENCE,
  type NodeEvidence,
  type NodePod,
} from '../core/correlate';
import type { Finding, SnatUsage } from '../core/finding';
import { parseCrictlPods, type PodSandbox } from '../core/parse-crictl';
import { parseLsns, type NetNamespace } from '../core/parse-lsns';
import { findShimSandboxId, parsePstree } from '../core/parse-pstree';
import { parseSocketTable } from '../core/parse-sockets';
import { splitProcNetTcp } from '../core/split-proc-net-tcp';
import { renderCard } from '../core/render-card';
import { renderHtml } from '../core/render-html';
import type { SocketReading } from '../core/rank-pods';
import { maxNodes, portsPerNode } from '../core/snat-budget';
import { debugPodName, debugPodSpec, TRACE_END_MARKER } from '../adapters/kube/debug-pod';
import { nodeCommands } from './node-commands';

/** What the investigation is asked: validated before it gets here (alert, HTTP request or CLI flags). */
export interface InvestigationRequest {
  readonly investigationId: string;
  readonly clusterId: string;
  readonly node: { readonly ip: string } | { readonly name: string };
  readonly traceSeconds: number;
  readonly privateCidrs?: readonly Cidr[];
}

export interface ClusterInfo {
  readonly id: string;
  readonly name: string;
  readonly nodeResourceGroup: string;
  readonly outbound: {
    readonly type: string;
    readonly outboundIps: number;
    readonly allocatedOutboundPorts: number;
    readonly idleTimeoutMinutes: number;
  };
}

export interface NodeSnat {
  readonly usedPorts: number;
  readonly allocatedPorts: number;
  readonly failedConnections: number;
}

/** Azure as the investigation needs it. */
export interface AzurePort {
  findCluster(clusterId: string): Promise<ClusterInfo>;
  /** The cluster's kubeconfig (with a token for Entra ID clusters): it stays inside the step that uses it. */
  kubeconfig(cluster: ClusterInfo): Promise<string>;
  /** SNAT figures per backend (node) IP over the last 30 minutes. */
  snatUsage(cluster: ClusterInfo): Promise<ReadonlyMap<string, NodeSnat>>;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** The cluster's API server as the investigation needs it (KubeAccess in production). */
export interface KubePort {
  findNodeByIp(ip: string): Promise<{ name: string; ip: string; nodeCount: number } | null>;
  findNodeByName(name: string): Promise<{ name: string; ip: string; nodeCount: number } | null>;
  podsOnNode(nodeName: string): Promise<NodePod[]>;
  createPod(pod: V1Pod): Promise<void>;
  readPod(namespace: string, name: string): Promise<V1Pod>;
  deletePod(namespace: string, name: string): Promise<void>;
  followLog(
    namespace: string,
    name: string,
    container: string,
    onChunk: (chunk: Buffer) => boolean,
  ): Promise<void>;
  exec(namespace: string, name: string, container: string, command: readonly string[]): Promise<ExecResult>;
}

/** Where the raw evidence goes, before anything is posted (DESIGN.md section 4, Blob layout). */
export interface ArchivePort {
  readonly location: string;
  write(path: string, content: string): Promise<void>;
}

export interface InvestigationPorts {
  readonly azure: AzurePort;
  readonly kube: (kubeconfig: string) => KubePort;
  readonly archive: (where: { clusterName: string; node: string; investigationId: string }) => ArchivePort;
  readonly debugNamespace: string;
  readonly debugImage: string;
  /** One line at a time, for a person watching (stderr in the CLI). */
  readonly progress?: (line: string) => void;
  /** How long to wait for the debug pod to start (the image may have to be pulled). */
  readonly startTimeoutMs?: number;
  /** How many socket-reading execs run at once. */
  readonly socketConcurrency?: number;
}

const DEBUG_CONTAINER = 'debug';
/** Pods whose socket tables one exec reads: keeps the exec URL (a query parameter a file) short. */
const SOCKET_BATCH = 50;

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${text}${cause}`.split('\n')[0] ?? text;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
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

function snatFigures(cluster: ClusterInfo, nodeCount: number, usage: NodeSnat | undefined): SnatUsage {
  const ports = portsPerNode(cluster.outbound.allocatedOutboundPorts, nodeCount);
  return {
    allocatedPorts: usage?.allocatedPorts ?? ports ?? 0,
    usedPorts: usage?.usedPorts ?? 0,
    failedConnections: usage?.failedConnections ?? 0,
    portsPerNode: ports,
    outboundIps: cluster.outbound.outboundIps,
    maxNodes: ports === null ? null : maxNodes(cluster.outbound.outboundIps, ports),
    nodeCount,
  };
}

/**
 * The runbook, done by the program (DESIGN.md section 3): cluster, SNAT usage, node, trace, correlation,
 * every pod's sockets, ranking, archive. A step that fails for a reason in the world makes the finding
 * partial or failed; the debug pod is deleted whatever happens.
 */
export async function investigate(
  request: InvestigationRequest,
  ports: InvestigationPorts,
): Promise<Finding> {
  const progress = ports.progress ?? (() => undefined);
  const classifier = new IpClassifier(request.privateCidrs ?? []);
  const problems: string[] = [];
  const askedNode =
    'ip' in request.node ? { name: '', ip: request.node.ip } : { name: request.node.name, ip: '' };

  let cluster: ClusterInfo;
  let kube: KubePort;
  try {
    cluster = await ports.azure.findCluster(request.clusterId);
    kube = ports.kube(await ports.azure.kubeconfig(cluster));
  } catch (error) {
    return failedFinding({
      cluster: null,
      node: askedNode,
      reason: `cluster ${request.clusterId}: ${message(error)}`,
    });
  }
  const clusterRef = { id: cluster.id, name: cluster.name };

  progress(
    `cluster ${cluster.name}: looking for node ${'ip' in request.node ? request.node.ip : request.node.name}`,
  );
  let node: { name: string; ip: string; nodeCount: number } | null;
  try {
    node =
      'ip' in request.node
        ? await kube.findNodeByIp(request.node.ip)
        : await kube.findNodeByName(request.node.name);
  } catch (error) {
    return failedFinding({
      cluster: clusterRef,
      node: askedNode,
      reason: `listing nodes: ${message(error)}`,
    });
  }
  if (node === null) {
    const what = 'ip' in request.node ? `InternalIP ${request.node.ip}` : `the name ${request.node.name}`;
    const archive = ports.archive({
      clusterName: cluster.name,
      node: askedNode.name || askedNode.ip,
      investigationId: request.investigationId,
    });
    return archiveFinding(
      failedFinding({
        cluster: clusterRef,
        node: askedNode,
        reason: `no node of cluster ${cluster.name} has ${what}`,
        archive: { location: archive.location },
      }),
      archive,
    );
  }
  const found = node;

  const archive = ports.archive({
    clusterName: cluster.name,
    node: found.name,
    investigationId: request.investigationId,
  });
  const namespace = ports.debugNamespace;
  const podName = debugPodName(request.investigationId);
  let trace: TraceSummary | null = null;
  let evidence: NodeEvidence = NO_NODE_EVIDENCE;
  let pods: NodePod[] = [];
  const sockets = new Map<string, SocketReading>();
  // The load balancer's metrics take a while on a large cluster and nothing needs them before the finding:
  // they are asked for once the debug pod is on its way, and read while the trace runs. A failure here
  // only leaves the SNAT figures out.
  let snatUsage: Promise<{ usage: ReadonlyMap<string, NodeSnat> } | { error: unknown }> | null = null;
  const askSnatUsage = () =>
    (snatUsage ??= ports.azure.snatUsage(cluster).then(
      (usage) => ({ usage }),
      (error: unknown) => ({ error }),
    ));
  try {
    pods = await kube.podsOnNode(found.name);
    progress(`node ${found.name} (${found.ip}): ${pods.length} pods; starting the debug pod`);
    await kube.createPod(
      debugPodSpec({
        investigationId: request.investigationId,
        nodeName: found.name,
        namespace,
        image: ports.debugImage,
        traceSeconds: request.traceSeconds,
      }),
    );
    void askSnatUsage();
    await waitUntilRunning(kube, namespace, podName, ports.startTimeoutMs ?? 120_000);

    const rawTrace: Buffer[] = [];
    trace = await collectTrace(
      kube,
      namespace,
      podName,
      classifier,
      request.traceSeconds,
      progress,
      rawTrace,
    );
    await archive.write('trace.log', Buffer.concat(rawTrace).toString('utf8'));

    evidence = await correlate(kube, namespace, podName, archive, problems);
    await readSockets(
      kube,
      namespace,
      podName,
      pods,
      evidence,
      sockets,
      archive,
      ports.socketConcurrency ?? 4,
    );
  } catch (error) {
    problems.push(message(error));
  } finally {
    try {
      await kube.deletePod(namespace, podName);
    } catch (error) {
      problems.push(`debug pod ${namespace}/${podName} not deleted (the sweeper will): ${message(error)}`);
    }
  }

  const metrics = await askSnatUsage();
  let snat: SnatUsage | null = null;
  if ('usage' in metrics) snat = snatFigures(cluster, found.nodeCount, metrics.usage.get(found.ip));
  else problems.push(`SNAT metrics not read: ${message(metrics.error)}`);

  const finding = buildFinding({
    cluster: clusterRef,
    node: { name: found.name, ip: found.ip },
    trace,
    pods,
    sockets,
    evidence,
    snat,
    classifier,
    problems,
    archive: { location: archive.location },
  });
  return archiveFinding(finding, archive);
}

/** The finding and its renderings beside the raw evidence, before anything is posted anywhere. */
async function archiveFinding(finding: Finding, archive: ArchivePort): Promise<Finding> {
  await archive.write('finding.json', `${JSON.stringify(finding, null, 2)}\n`);
  await archive.write('report.html', renderHtml(finding));
  await archive.write('card.json', `${JSON.stringify(renderCard(finding), null, 2)}\n`);
  return finding;
}

async function waitUntilRunning(
  kube: KubePort,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const phase = (await kube.readPod(namespace, name)).status?.phase;
    if (phase === 'Running' || phase === 'Succeeded') return;
    if (phase === 'Failed') throw new Error(`debug pod ${namespace}/${name} failed to start`);
    if (Date.now() > deadline)
      throw new Error(`debug pod ${namespace}/${name} not running after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** Streams the debug pod's log into the aggregator until the end marker, with a progress line a second. */
async function collectTrace(
  kube: KubePort,
  namespace: string,
  name: string,
  classifier: IpClassifier,
  traceSeconds: number,
  progress: (line: string) => void,
  raw: Buffer[],
): Promise<TraceSummary> {
  const aggregator = new TraceAggregator(classifier);
  const marker = Buffer.from(`${TRACE_END_MARKER}\n`);
  const started = Date.now();
  let bytes = 0;
  let lastReport = 0;
  let tail = Buffer.alloc(0);
  progress(`tracing 0/${traceSeconds} s: tcptracer -t4v on the node`);
  await kube.followLog(namespace, name, DEBUG_CONTAINER, (chunk) => {
    // The marker may straddle chunks: look for it in what is new plus the end of what came before.
    const window = Buffer.concat([tail, chunk]);
    const at = window.indexOf(marker);
    const usable = at === -1 ? chunk : window.subarray(tail.length, Math.max(tail.length, at));
    if (at === -1 || at >= tail.length) {
      aggregator.writeBytes(usable);
      raw.push(Buffer.from(usable));
      bytes += usable.length;
    }
    tail = window.subarray(Math.max(0, window.length - marker.length));
    const elapsed = Math.floor((Date.now() - started) / 1000);
    if (elapsed > lastReport) {
      lastReport = elapsed;
      progress(
        `tracing ${Math.min(elapsed, traceSeconds)}/${traceSeconds} s, ${bytes} bytes of tcptracer output`,
      );
    }
    return at !== -1;
  });
  return aggregator.end();
}

/** lsns -> pstree -> crictl, as the runbook walks them, for every netns and every process on the node. */
async function correlate(
  kube: KubePort,
  namespace: string,
  name: string,
  archive: ArchivePort,
  problems: string[],
): Promise<NodeEvidence> {
  const run = async (file: string, command: string[]): Promise<string | null> => {
    const result = await kube.exec(namespace, name, DEBUG_CONTAINER, command);
    await archive.write(`correlation/${file}`, result.stdout);
    if (result.exitCode !== 0) {
      problems.push(
        `${command.slice(command.indexOf('--') + 1).join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`,
      );
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
    problems.push(`correlation output not understood: ${message(error)}`);
  }
  return resolveNodeEvidence({ namespaces, pidSandboxes, sandboxes });
}

/**
 * Every pod's socket table, read from the host side: /proc/<pid>/net/tcp{,6} of a process in the pod's
 * netns, or for hostNetwork pods `ss -tnp` in the host netns (their sockets are told apart by PID).
 */
async function readSockets(
  kube: KubePort,
  namespace: string,
  name: string,
  pods: readonly NodePod[],
  evidence: NodeEvidence,
  sockets: Map<string, SocketReading>,
  archive: ArchivePort,
  concurrency: number,
): Promise<void> {
  const netnsOf = new Map<string, number>();
  for (const [netns, pod] of evidence.netnsPods) netnsOf.set(podKey(pod), netns);
  const pidOfNetns = new Map<number, number>();
  for (const [pid, pod] of evidence.pidPods) {
    const netns = netnsOf.get(podKey(pod));
    if (netns !== undefined && !pidOfNetns.has(netns)) pidOfNetns.set(netns, pid);
  }
  let hostTable: Promise<SocketReading> | null = null;
  const readHost = () => (hostTable ??= read(nodeCommands.ssWithPids(1), 'sockets/host-netns.txt'));
  async function read(command: string[], file: string): Promise<SocketReading> {
    const result = await kube.exec(namespace, name, DEBUG_CONTAINER, command);
    await archive.write(file, result.stdout);
    if (result.exitCode !== 0)
      return {
        kind: 'failed',
        reason: `${command.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`,
      };
    try {
      return { kind: 'read', table: parseSocketTable(result.stdout) };
    } catch (error) {
      return { kind: 'failed', reason: message(error) };
    }
  }
  // Pods read from /proc go in batches: one exec (one WebSocket) per SOCKET_BATCH pods, not one each.
  const byProc: { pod: NodePod; pid: number }[] = [];
  for (const pod of pods) {
    const key = podKey(pod);
    if (pod.hostNetwork) {
      sockets.set(key, await readHost());
      continue;
    }
    const netns = netnsOf.get(key);
    const pid = netns === undefined ? undefined : pidOfNetns.get(netns);
    if (pid === undefined) {
      sockets.set(key, {
        kind: 'failed',
        reason: 'no process of the pod found on the node (lsns/pstree/crictl)',
      });
    } else {
      byProc.push({ pod, pid });
    }
  }
  const batches: (typeof byProc)[] = [];
  for (let i = 0; i < byProc.length; i += SOCKET_BATCH) batches.push(byProc.slice(i, i + SOCKET_BATCH));
  await mapLimited(batches, concurrency, async (batch) => {
    const result = await kube.exec(
      namespace,
      name,
      DEBUG_CONTAINER,
      nodeCommands.procNetTcpMany(batch.map((b) => b.pid)),
    );
    const tables = result.exitCode === 0 ? splitProcNetTcp(result.stdout, batch.length) : null;
    for (const [index, { pod, pid }] of batch.entries()) {
      const file = `sockets/${pod.namespace}__${pod.name}.txt`;
      const table = tables?.[index];
      if (table === undefined) {
        // The batch did not line up (a process exited, say): this pod on its own.
        sockets.set(podKey(pod), await read(nodeCommands.procNetTcp(pid), file));
        continue;
      }
      await archive.write(file, table);
      try {
        sockets.set(podKey(pod), { kind: 'read', table: parseSocketTable(table) });
      } catch (error) {
        sockets.set(podKey(pod), { kind: 'failed', reason: message(error) });
      }
    }
  });
}
