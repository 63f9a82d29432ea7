import type { TraceSummary } from '../core/aggregate-trace';
import { buildFinding, failedFinding, type TraceTiming } from '../core/build-finding';
import type { CommandRecord } from '../core/node-command-record';
import { windowsNodeWarnings } from '../core/windows-node';
import { classifierFor } from '../core/classify-ip';
import { evidenceFromJson, NO_NODE_EVIDENCE, podKey, type NodePod } from '../core/correlate';
import { oneLine } from '../core/errors';
import type { Finding, SnatUsage } from '../core/finding';
import type { SocketReading } from '../core/rank-pods';
import { maxNodes, portsPerNode } from '../core/snat-budget';
import type { NodeInspection } from '../activities/inspect-node';
import type { CardPost } from '../activities/post-card';
import type { ActivityInput } from '../activities/registry';
import type { SnatReading } from '../activities/snat-usage';
import { all, call, status, step, timer, type Flow } from './instructions';
import type { ClusterInfo, ClusterRef, FoundNode, NodeSnat } from './ports';

/** What the investigation is asked: validated before it gets here (alert, HTTP request or CLI flags). */
export interface InvestigationRequest {
  /** Names the debug pod and the archive folder: the same ID is the same investigation. */
  readonly investigationId: string;
  readonly cluster: ClusterRef;
  readonly node: { readonly ip: string } | { readonly name: string };
  readonly traceSeconds: number;
  /** CIDRs that do not use SNAT beyond the built-in ones (VNet, peered VNets, pod and service CIDRs). */
  readonly privateCidrs?: readonly string[];
  /** When it was asked (ISO 8601): the archive folder's time stamp, the same on every replay. */
  readonly requestedAt: string;
}

/** `<cluster name>/<node name or ip>/<UTC yyyyMMddTHHmmssZ>-<investigation id>` (DESIGN.md section 4). */
export function archiveFolder(request: InvestigationRequest, clusterName: string, node: string): string {
  const at = new Date(request.requestedAt);
  if (Number.isNaN(at.getTime())) throw new RangeError(`requestedAt is not a time: ${request.requestedAt}`);
  const stamp = at.toISOString().replace(/[-:]|\.\d+/g, '');
  return `${clusterName}/${node}/${stamp}-${request.investigationId}`;
}

function describeCluster(ref: ClusterRef): string {
  return 'clusterId' in ref
    ? ref.clusterId
    : `with node resource group ${ref.nodeResourceGroup} (subscription ${ref.subscriptionId})`;
}

function snatFigures(cluster: ClusterInfo, nodeCount: number, usage: NodeSnat | null): SnatUsage {
  const ports = portsPerNode(cluster.outbound.allocatedOutboundPorts, nodeCount);
  return {
    allocatedPorts: usage?.allocatedPorts ?? ports ?? 0,
    usedPorts: usage?.usedPorts ?? 0,
    failedConnections: usage?.failedConnections ?? 0,
    portsPerNode: ports,
    outboundIps: cluster.outbound.outboundIps,
    maxNodes: ports === null ? null : maxNodes(cluster.outbound.outboundIps, ports),
    nodeCount,
    ...(usage?.usedOverTime === undefined ? {} : { usedOverTime: usage.usedOverTime }),
  };
}

/**
 * The runbook, done by the program (DESIGN.md section 3), written once for both drivers: cluster, node,
 * debug pod; during the trace window the SNAT usage, the correlation and every pod's sockets; the trace,
 * cleanup, ranking, archive. A step that fails for a reason in the world makes the finding partial or failed, and
 * the debug pod is deleted whatever happens.
 */
export function* investigation(request: InvestigationRequest): Flow<Finding> {
  const asked = request.node;
  const askedNode = 'ip' in asked ? { name: '', ip: asked.ip } : { name: asked.name, ip: '' };
  const privateCidrs = [...(request.privateCidrs ?? [])];

  let cluster: ClusterInfo;
  try {
    cluster = yield* call('resolveCluster', { cluster: request.cluster });
  } catch (error) {
    return failedFinding({
      cluster: null,
      node: askedNode,
      reason: `cluster ${describeCluster(request.cluster)}: ${oneLine(error)}`,
    });
  }
  const clusterRef = { id: cluster.id, name: cluster.name };

  yield* status(`cluster ${cluster.name}: looking for node ${'ip' in asked ? asked.ip : asked.name}`);
  let node: FoundNode | null;
  try {
    node = yield* call('findNode', { cluster, node: asked });
  } catch (error) {
    return failedFinding({
      cluster: clusterRef,
      node: askedNode,
      reason: `listing nodes: ${oneLine(error)}`,
    });
  }
  if (node === null) {
    const what = 'ip' in asked ? `InternalIP ${asked.ip}` : `the name ${asked.name}`;
    const failed = failedFinding({
      cluster: clusterRef,
      node: askedNode,
      reason: `no node of cluster ${cluster.name} has ${what}`,
    });
    return yield* archived(failed, archiveFolder(request, cluster.name, askedNode.name || askedNode.ip));
  }

  const folder = archiveFolder(request, cluster.name, node.name);
  const { investigationId, traceSeconds } = request;
  if (node.os === 'windows') {
    return yield* windowsNode(cluster, clusterRef, node, folder, privateCidrs);
  }
  const problems: string[] = [];
  const commands: CommandRecord[] = [];
  let pods: NodePod[] = [];
  let trace: TraceSummary | null = null;
  let timing: TraceTiming = { windowSeconds: null, startupSeconds: null };
  let inspection: NodeInspection | null = null;
  let snat: SnatReading | null = null;
  try {
    yield* status(`node ${node.name} (${node.ip}): starting the debug pod`);
    const started = yield* call('startTrace', {
      cluster,
      nodeName: node.name,
      investigationId,
      traceSeconds,
      runId: request.requestedAt,
      archiveFolder: folder,
    });
    pods = started.pods;
    commands.push(...started.commands);
    const running = started.problem === null;
    const tracing = running && started.traceProblem === null && started.bannerAt !== null;
    timing = { windowSeconds: null, startupSeconds: started.startupSeconds };
    if (started.traceProblem !== null) problems.push(started.traceProblem);
    const inspect = step('inspectNode', {
      cluster,
      investigationId,
      pods,
      archiveFolder: folder,
      privateCidrs,
      hostSide: running,
    });
    // While tcptracer runs: the load balancer's metrics, and the correlation and every pod's socket table
    // (a snapshot from inside the window the trace covers, taken while the traced processes are alive).
    // Without a debug pod there is no trace, but each pod's own table is still read, by kubectl exec; a
    // pod whose tracer did not start still reads the node's side.
    try {
      if (tracing) {
        yield* status(
          `node ${node.name}: ${pods.length} pods; tracing for ${traceSeconds} s (BPF compile took ${started.startupSeconds ?? '?'} s)`,
        );
        const [snatRead, inspected] = yield* all(
          step('snatUsage', { cluster, nodeIp: node.ip }),
          inspect,
          timer(traceSeconds, 'tracing'),
        );
        snat = snatRead;
        inspection = inspected;
      } else {
        if (started.problem !== null) problems.push(`no trace: ${started.problem}`);
        yield* status(
          running
            ? `node ${node.name}: no trace; reading ${pods.length} pods' sockets from the host side`
            : `node ${node.name}: no debug pod; reading ${pods.length} pods' sockets by kubectl exec`,
        );
        const [snatRead, inspected] = yield* all(step('snatUsage', { cluster, nodeIp: node.ip }), inspect);
        snat = snatRead;
        inspection = inspected;
      }
      problems.push(...inspection.problems);
      commands.push(...inspection.commands);
    } catch (error) {
      problems.push(`node not inspected: ${oneLine(error)}`);
    }
    if (tracing) {
      const collected = yield* call('collectTrace', {
        cluster,
        investigationId,
        traceSeconds,
        archiveFolder: folder,
        privateCidrs,
        bannerAt: started.bannerAt,
      });
      trace = collected.trace;
      timing = { ...timing, windowSeconds: collected.windowSeconds };
      commands.push(...collected.commands);
      if (collected.problem !== null) problems.push(collected.problem);
    }
  } catch (error) {
    problems.push(oneLine(error));
  } finally {
    try {
      yield* call('deleteDebugPod', { cluster, investigationId });
    } catch (error) {
      problems.push(`debug pod of ${investigationId} not deleted (the sweeper will): ${oneLine(error)}`);
    }
  }

  if (snat === null) {
    try {
      snat = yield* call('snatUsage', { cluster, nodeIp: node.ip });
    } catch (error) {
      snat = { problem: oneLine(error) };
    }
  }
  if ('problem' in snat) problems.push(`SNAT metrics not read: ${snat.problem}`);
  else if (snat.usage === null) {
    problems.push(
      `no SNAT metrics for ${node.ip} in the last 30 minutes (a new load balancer, or Monitor behind): the port figures come from the outbound profile alone`,
    );
  }
  const sockets = new Map<string, SocketReading>(
    (inspection?.sockets ?? []).map(({ pod, reading }) => [podKey(pod), reading]),
  );
  const finding = buildFinding({
    cluster: clusterRef,
    node: { name: node.name, ip: node.ip },
    trace,
    timing,
    pods,
    sockets,
    evidence: inspection === null ? NO_NODE_EVIDENCE : evidenceFromJson(inspection.evidence),
    snat: 'usage' in snat ? snatFigures(cluster, node.nodeCount, snat.usage) : null,
    classifier: classifierFor(privateCidrs),
    problems,
  });
  return yield* archived(finding, folder, commands);
}

/**
 * A Windows node has no bcc and no debug pod of ours (a Linux image): the finding says so and gives the
 * runbook's commands for Windows pods to run by hand, with the SNAT figures that can still be read.
 */
function* windowsNode(
  cluster: ClusterInfo,
  clusterRef: { id: string; name: string },
  node: FoundNode,
  folder: string,
  privateCidrs: readonly string[],
): Flow<Finding> {
  let snat: SnatReading;
  try {
    snat = yield* call('snatUsage', { cluster, nodeIp: node.ip });
  } catch (error) {
    snat = { problem: oneLine(error) };
  }
  const finding = buildFinding({
    cluster: clusterRef,
    node: { name: node.name, ip: node.ip },
    trace: null,
    pods: [],
    sockets: new Map(),
    evidence: NO_NODE_EVIDENCE,
    snat: 'usage' in snat ? snatFigures(cluster, node.nodeCount, snat.usage) : null,
    classifier: classifierFor(privateCidrs),
    problems: windowsNodeWarnings(node),
  });
  return yield* archived(finding, folder);
}

/** When the archive is still down after a step's retries: later tries, minutes apart (then it is given up). */
export const ARCHIVE_RETRY_SECONDS = [60, 300, 900] as const;

/**
 * The finding archived (finding.json, report.html, card.json), naming where, then the card. With the
 * archive down, the card goes out anyway, made from the finding, saying the evidence is kept; the archive
 * is tried again a few times, and a card that names it follows when it takes the evidence.
 */
function* archived(finding: Finding, folder: string, commands: readonly CommandRecord[] = []): Flow<Finding> {
  const first = yield* archiveOnce(finding, folder, commands);
  if ('archived' in first) return yield* posted(first.archived, { archiveFolder: folder });
  const unarchived: Finding = {
    ...finding,
    status: finding.status === 'complete' ? 'partial' : finding.status,
    warnings: [
      ...finding.warnings,
      `evidence not archived yet: ${first.problem}; the raw outputs are kept by the responder and archived by a retry (in ${ARCHIVE_RETRY_SECONDS.map(minutes).join(', then ')})`,
    ],
  };
  yield* status(`archive unavailable: ${first.problem}`);
  yield* posted(unarchived, { finding: unarchived });
  for (const seconds of ARCHIVE_RETRY_SECONDS) {
    yield timer(seconds, 'waiting to retry the archive');
    const retry = yield* archiveOnce(finding, folder, commands);
    if ('archived' in retry) return yield* posted(retry.archived, { archiveFolder: folder });
  }
  const lost = `evidence not archived after ${ARCHIVE_RETRY_SECONDS.length + 1} tries: the raw outputs stay in the responder's spool`;
  yield* status(lost);
  return { ...unarchived, warnings: [...unarchived.warnings, lost] };
}

function minutes(seconds: number): string {
  return seconds < 60 ? `${seconds} s` : `${seconds / 60} min`;
}

function* archiveOnce(
  finding: Finding,
  folder: string,
  commands: readonly CommandRecord[],
): Flow<{ archived: Finding } | { problem: string }> {
  try {
    const { location, warnings } = yield* call('archiveFinding', {
      finding,
      archiveFolder: folder,
      commands: [...commands],
    });
    return {
      archived: { ...finding, warnings: [...finding.warnings, ...warnings], archive: { location } },
    };
  } catch (error) {
    return { problem: oneLine(error) };
  }
}

/** The card to Teams; one that does not get through is a warning, with the finding kept regardless. */
function* posted(finding: Finding, card: ActivityInput<'postCard'>): Flow<Finding> {
  let post: CardPost;
  try {
    post = yield* call('postCard', card);
  } catch (error) {
    post = { posted: false, attempts: 0, reason: oneLine(error) };
  }
  if (post.posted !== false) return finding;
  const where = finding.archive === null ? 'the finding is kept' : 'the finding is archived';
  const warning = `card not posted to Teams (${post.attempts} attempts): ${post.reason ?? 'no reason given'}; ${where}`;
  yield* status(warning);
  return { ...finding, warnings: [...finding.warnings, warning] };
}
