import type { TraceSummary } from './aggregate-trace';
import type { IpClassifier } from './classify-ip';
import { attributeTrace, sourceKey, type NodeEvidence, type NodePod } from './correlate';
import type { Finding, FindingTrace, PodRef, SnatUsage } from './finding';
import { parseIp } from './ip-address';
import type { SocketTable } from './parse-sockets';
import { rankPods, type SocketReading } from './rank-pods';
import { recommend } from './recommend';

/** How long the trace ran, as the debug pod measured it on the node's clock. */
export interface TraceTiming {
  /** From the banner to the stop. */
  readonly windowSeconds: number | null;
  /** From the debug pod's start to the banner: the BPF compile. */
  readonly startupSeconds: number | null;
}

export interface FindingInput {
  readonly cluster: Finding['cluster'];
  readonly node: Finding['node'];
  readonly trace: TraceSummary | null;
  /** Absent for a trace read from a file (`analyze`): no pod measured it. */
  readonly timing?: TraceTiming;
  readonly pods: readonly NodePod[];
  /** Socket readings keyed by `namespace/name`. */
  readonly sockets: ReadonlyMap<string, SocketReading>;
  readonly evidence: NodeEvidence;
  readonly snat: SnatUsage | null;
  readonly classifier: IpClassifier;
  /** Problems met on the way (a step that failed for a reason in the world); they make the finding partial. */
  readonly problems?: readonly string[];
  readonly archive?: Finding['archive'];
}

/** Everything the investigation learnt, as one Finding: attribution, ranking, culprit, advice. */
export function buildFinding(input: FindingInput): Finding {
  const nodeIps = input.node === null ? [] : [input.node.ip];
  const attribution =
    input.trace === null ? null : attributeTrace(input.trace, input.pods, input.evidence, nodeIps);
  const pods = rankPods(input.pods, input.sockets, {
    classifier: input.classifier,
    attribution,
    evidence: input.evidence,
    traceSeconds: input.timing?.windowSeconds ?? input.trace?.durationSeconds ?? null,
    portsPerNode: input.snat?.portsPerNode ?? null,
  });
  const top = pods[0];
  const culprit: PodRef | null =
    top !== undefined && ((top.publicEstablished ?? 0) > 0 || top.tracedPublicConnects > 0)
      ? { namespace: top.namespace, name: top.name }
      : null;

  const warnings = [...(input.problems ?? []), ...(attribution?.warnings ?? [])];
  const ran = input.trace === null || input.trace.banner || eventCount(input.trace) > 0;
  if (!ran) {
    warnings.push(
      "the trace holds neither tcptracer's banner nor any event: tcptracer did not run (or its output was lost), which says nothing about the node's connections",
    );
  }
  if (input.trace !== null && input.trace.lostSamples > 0) {
    warnings.push(`tcptracer lost ${input.trace.lostSamples} samples: traced counts are lower bounds`);
  }
  if (input.trace !== null)
    warnings.push(...dualStackWarnings(input.trace, attribution?.sourcePods ?? new Map()));
  const nodePublic = (attribution?.nodeProcesses ?? []).filter((p) => p.publicConnects > 0);
  if (nodePublic.length > 0) {
    const total = nodePublic.reduce((sum, p) => sum + p.publicConnects, 0);
    const names = nodePublic
      .slice(0, 3)
      .map((p) => `${p.comm} (pid ${p.pid}): ${p.publicConnects}`)
      .join(', ');
    warnings.push(`${total} public connects came from node processes outside any pod: ${names}`);
  }
  if (input.trace !== null && input.pods.length === 0) {
    const busiest = input.trace.sources.find((s) => s.publicConnects > 0);
    if (busiest !== undefined) {
      warnings.push(
        `no pods to rank (no socket tables): the busiest source is ${busiest.saddr}` +
          `${busiest.netns === null ? '' : ` in netns ${busiest.netns}`} with ${busiest.publicConnects} public connects`,
      );
    }
  }
  const unread = [...input.sockets.values()].some((reading) => reading.kind === 'failed');

  const partial = (input.problems ?? []).length > 0 || unread || input.trace === null || !ran;
  const withoutAdvice = {
    schemaVersion: 1 as const,
    status: partial ? ('partial' as const) : ('complete' as const),
    cluster: input.cluster,
    node: input.node,
    trace:
      input.trace === null
        ? null
        : findingTrace(input.trace, attribution?.sourcePods ?? new Map(), input.timing),
    pods,
    culprit,
    snat: input.snat,
    warnings,
    archive: input.archive ?? null,
  };
  return { ...withoutAdvice, recommendations: recommend(withoutAdvice) };
}

/** bcc's BPF_HASH default size (src/cc/export/helpers.h): what tcptracer's tuplepid_ipv4 map holds. */
const TUPLEPID_MAP_ENTRIES = 10240;

/**
 * What tcptracer cannot see of dual-stack sockets (bcc tools/tcptracer.py): an AF_INET6 socket's connect to
 * an IPv4 address goes through tcp_v4_connect (net/ipv6/tcp_ipv6.c), whose kretprobe keeps the tuple in
 * the IPv4 map, while tcp_set_state looks for it in the IPv6 one: no connect is printed, only the close,
 * and the IPv4 entry is never deleted. Past 10,240 of them the IPv4 map is full and no IPv4 connect of any
 * process is printed any more.
 */
function dualStackWarnings(trace: TraceSummary, sourcePods: ReadonlyMap<string, PodRef | null>): string[] {
  const sources = trace.sources.filter((s) => s.mappedCloses > 0);
  if (sources.length === 0) return [];
  const total = sources.reduce((sum, s) => sum + s.mappedCloses, 0);
  const named = sources
    .slice(0, 3)
    .map((s) => {
      const pod = sourcePods.get(sourceKey(s));
      return `${pod === null || pod === undefined ? s.saddr : `${pod.namespace}/${pod.name}`}: ${s.mappedCloses}`;
    })
    .join(', ');
  const warnings = [
    `${total} dual-stack (AF_INET6) connections to IPv4 addresses were traced by their closes only (${named}): tcptracer prints no connect for them (their tuple goes to its IPv4 map, and the socket is IPv6), so their connects are not counted; count their closes as their churn`,
  ];
  if (total >= TUPLEPID_MAP_ENTRIES) {
    warnings.push(
      `tcptracer's IPv4 connect map (${TUPLEPID_MAP_ENTRIES} entries) filled with those connections, which it never deletes: IPv4 connects after it filled were not traced at all, so traced connects are lower bounds; trace for less time, or read the sockets`,
    );
  }
  return warnings;
}

function eventCount(trace: TraceSummary): number {
  return trace.events.connect + trace.events.accept + trace.events.close + trace.events.unknown;
}

function findingTrace(
  trace: TraceSummary,
  sourcePods: ReadonlyMap<string, PodRef | null>,
  timing: TraceTiming | undefined,
): FindingTrace {
  return {
    events: trace.events,
    lostSamples: trace.lostSamples,
    skippedLines: trace.skippedLines,
    durationSeconds: trace.durationSeconds,
    ...(timing === undefined ? {} : timing),
    sources: trace.sources.map(({ processes: _processes, ...source }) => ({
      ...source,
      pod: sourcePods.get(sourceKey(source)) ?? null,
    })),
  };
}

/** A finding that says why the investigation could not be done, e.g. the alert's node IP is not in the cluster. */
export function failedFinding(input: {
  readonly cluster: Finding['cluster'];
  readonly node: Finding['node'];
  readonly reason: string;
  readonly archive?: Finding['archive'];
}): Finding {
  return {
    schemaVersion: 1,
    status: 'failed',
    cluster: input.cluster,
    node: input.node,
    trace: null,
    pods: [],
    culprit: null,
    snat: null,
    recommendations: [],
    warnings: [input.reason],
    archive: input.archive ?? null,
  };
}

function isUnspecifiedOrLoopback(address: string): boolean {
  const ip = parseIp(address);
  if (ip === null) return true;
  if (ip.version === 4) return ip.value === 0 || ip.value >>> 24 === 127;
  return ip.value === 0n || ip.value === 1n;
}

/**
 * For `analyze`, where there is no API server: a pod's addresses are the local addresses of its own
 * sockets (what `netstat` run inside the pod shows), loopback and wildcard left out. A v4-mapped address
 * is kept in both forms, since tcptracer prints whichever family the socket was opened with.
 */
export function podsFromSocketTables(
  tables: readonly { readonly pod: PodRef; readonly table: SocketTable }[],
): NodePod[] {
  return tables.map(({ pod, table }) => {
    const ips = new Set<string>();
    for (const socket of table.sockets) {
      if (socket.state === 'LISTEN' || isUnspecifiedOrLoopback(socket.localAddress)) continue;
      ips.add(socket.localAddress);
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(socket.localAddress);
      if (mapped?.[1] !== undefined) ips.add(mapped[1]);
    }
    return { namespace: pod.namespace, name: pod.name, ips: [...ips], hostNetwork: false };
  });
}
