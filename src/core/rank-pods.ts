import { compareText, rankDestinations, type Destination } from './aggregate-trace';
import type { IpClassifier } from './classify-ip';
import { podKey, type NodeEvidence, type NodePod, type TraceAttribution } from './correlate';
import type { PodDestination, PodRef, RankedPod } from './finding';
import { formatEndpoint } from './ip-address';
import type { SocketEntry, SocketTable } from './parse-sockets';

/** How many destinations each pod keeps in the finding. */
export const POD_TOP_DESTINATIONS = 5;

/**
 * A pod's socket table, already counted (plain data: what the investigation's steps pass on), or why it
 * could not be read (the pod is then ranked on the trace alone). `analyze` passes whole tables.
 */
export type SocketReading =
  | { readonly kind: 'read'; readonly table: SocketTable }
  | { readonly kind: 'counted'; readonly counts: SocketCounts }
  | { readonly kind: 'failed'; readonly reason: string };

export interface EstablishedTo {
  readonly daddr: string;
  readonly dport: number;
  readonly public: boolean;
  readonly established: number;
}

export interface SocketCounts {
  readonly established: number;
  readonly publicEstablished: number;
  /**
   * ESTABLISHED sockets per remote address and port, public first, then most sockets. Only those that can
   * still reach a pod's top destinations are kept: the first POD_TOP_DESTINATIONS and whatever ties with
   * the last of them, at most KEPT_DESTINATIONS in all.
   */
  readonly destinations: readonly EstablishedTo[];
  /** Sockets left out because no process of the pod owns them (hostNetwork pods only). */
  readonly notOwned: number;
}

/** A bound on ties kept in SocketCounts.destinations (a pod with thousands of one-socket destinations). */
export const KEPT_DESTINATIONS = 64;

/**
 * Counts ESTABLISHED sockets, the runbook's `netstat -ptn | grep -i established`. A hostNetwork pod's
 * table is the node's: only sockets whose PID belongs to the pod count, so neighbours in the host netns
 * (kubelet, other hostNetwork pods) are never charged to it.
 */
export function countEstablished(
  sockets: readonly SocketEntry[],
  classifier: IpClassifier,
  owns: ((socket: SocketEntry) => boolean) | null = null,
): SocketCounts {
  let established = 0;
  let publicEstablished = 0;
  let notOwned = 0;
  const byDestination = new Map<string, { -readonly [K in keyof EstablishedTo]: EstablishedTo[K] }>();
  const publicByAddress = new Map<string, boolean>();
  for (const socket of sockets) {
    if (socket.state !== 'ESTABLISHED') continue;
    if (owns !== null && !owns(socket)) {
      notOwned++;
      continue;
    }
    let isPublic = publicByAddress.get(socket.remoteAddress);
    if (isPublic === undefined) {
      isPublic = classifier.isPublic(socket.remoteAddress);
      publicByAddress.set(socket.remoteAddress, isPublic);
    }
    established++;
    if (isPublic) publicEstablished++;
    const key = `${socket.remoteAddress} ${socket.remotePort}`;
    const known = byDestination.get(key);
    if (known === undefined) {
      byDestination.set(key, {
        daddr: socket.remoteAddress,
        dport: socket.remotePort,
        public: isPublic,
        established: 1,
      });
    } else {
      known.established++;
    }
  }
  return {
    established,
    publicEstablished,
    destinations: keptDestinations([...byDestination.values()]),
    notOwned,
  };
}

/**
 * The destinations that can still be among a pod's top ones once the trace's are merged in: merging adds
 * connects, which only break ties of (public, established).
 */
function keptDestinations(all: EstablishedTo[]): EstablishedTo[] {
  all.sort(
    (a, b) =>
      Number(b.public) - Number(a.public) ||
      b.established - a.established ||
      compareText(a.daddr, b.daddr) ||
      a.dport - b.dport,
  );
  const last = all[POD_TOP_DESTINATIONS - 1];
  if (last === undefined) return all;
  let end = POD_TOP_DESTINATIONS;
  while (
    end < all.length &&
    end < KEPT_DESTINATIONS &&
    all[end]?.public === last.public &&
    all[end]?.established === last.established
  )
    end++;
  return all.slice(0, end);
}

/**
 * A pod's socket table counted where it was read, so that only the counts travel on. A hostNetwork pod's
 * table is the node's: `pidPods` says which sockets are its own.
 */
export function countPodSockets(
  pod: NodePod,
  table: SocketTable,
  pidPods: ReadonlyMap<number, PodRef>,
  classifier: IpClassifier,
): SocketCounts {
  const key = podKey(pod);
  const owns = pod.hostNetwork
    ? (socket: SocketEntry) => {
        const owner = socket.pid === null ? undefined : pidPods.get(socket.pid);
        return owner !== undefined && podKey(owner) === key;
      }
    : null;
  return countEstablished(table.sockets, classifier, owns);
}

export interface RankingContext {
  readonly classifier: IpClassifier;
  readonly attribution: TraceAttribution | null;
  readonly evidence: NodeEvidence;
  readonly traceSeconds: number | null;
  /** The node's SNAT port budget, when the cluster's outbound profile is known. */
  readonly portsPerNode: number | null;
}

/**
 * Ranks the node's pods the way the runbook decides: most ESTABLISHED connections to public IPs first,
 * then most traced connects to public IPs (the churn that burns ports without holding them).
 */
export function rankPods(
  pods: readonly NodePod[],
  sockets: ReadonlyMap<string, SocketReading>,
  context: RankingContext,
): RankedPod[] {
  const unranked = pods.map((pod) => describePod(pod, sockets.get(podKey(pod)), context));
  unranked.sort(
    (a, b) =>
      (b.publicEstablished ?? 0) - (a.publicEstablished ?? 0) ||
      b.tracedPublicConnects - a.tracedPublicConnects ||
      (b.established ?? 0) - (a.established ?? 0) ||
      b.tracedConnects - a.tracedConnects ||
      compareText(a.namespace, b.namespace) ||
      compareText(a.name, b.name),
  );
  return unranked.map((pod, index) => ({ ...pod, rank: index + 1 }));
}

function describePod(pod: NodePod, reading: SocketReading | undefined, context: RankingContext): RankedPod {
  const key = podKey(pod);
  const counts =
    reading?.kind === 'read'
      ? countPodSockets(pod, reading.table, context.evidence.pidPods, context.classifier)
      : reading?.kind === 'counted'
        ? reading.counts
        : null;

  const traffic = context.attribution?.podTraffic.get(key);
  const traced: Destination[] = [];
  let tracedConnects = 0;
  let tracedPublicConnects = 0;
  for (const source of traffic?.sources ?? []) {
    tracedConnects += source.connects;
    tracedPublicConnects += source.publicConnects;
    for (const process of source.processes) traced.push(...process.destinations);
  }
  for (const process of traffic?.processes ?? []) {
    tracedConnects += process.connects;
    tracedPublicConnects += process.publicConnects;
    traced.push(...process.destinations);
  }

  const topDestinations = mergeDestinations(counts, rankDestinations(traced));
  return {
    namespace: pod.namespace,
    name: pod.name,
    rank: 0,
    hostNetwork: pod.hostNetwork,
    established: counts?.established ?? null,
    publicEstablished: counts?.publicEstablished ?? null,
    tracedConnects,
    tracedPublicConnects,
    topDestinations,
    evidence: evidenceLines({
      reading,
      counts,
      tracedConnects,
      tracedPublicConnects,
      topDestinations,
      context,
      hostNetwork: pod.hostNetwork,
    }),
  };
}

/** Socket table and trace side by side per destination: what a pod holds open and what it keeps opening. */
function mergeDestinations(counts: SocketCounts | null, traced: readonly Destination[]): PodDestination[] {
  const merged = new Map<
    string,
    { daddr: string; dport: number; connects: number; established: number; public: boolean }
  >();
  for (const d of counts?.destinations ?? []) merged.set(`${d.daddr} ${d.dport}`, { ...d, connects: 0 });
  for (const d of traced) {
    const key = `${d.daddr} ${d.dport}`;
    const known = merged.get(key);
    if (known === undefined) merged.set(key, { ...d, established: 0 });
    else known.connects += d.connects;
  }
  return [...merged.values()]
    .sort(
      (a, b) =>
        Number(b.public) - Number(a.public) ||
        b.established - a.established ||
        b.connects - a.connects ||
        compareText(a.daddr, b.daddr) ||
        a.dport - b.dport,
    )
    .slice(0, POD_TOP_DESTINATIONS)
    .map((d) => ({
      daddr: d.daddr,
      dport: d.dport,
      connects: d.connects,
      established: d.established,
      public: d.public,
    }));
}

function evidenceLines(input: {
  readonly reading: SocketReading | undefined;
  readonly counts: SocketCounts | null;
  readonly tracedConnects: number;
  readonly tracedPublicConnects: number;
  readonly topDestinations: readonly PodDestination[];
  readonly context: RankingContext;
  readonly hostNetwork: boolean;
}): string[] {
  const { reading, counts, context } = input;
  const lines: string[] = [];
  if (counts !== null) {
    lines.push(
      `${counts.publicEstablished} of ${counts.established} ESTABLISHED connections go to public IPs`,
    );
    if (input.hostNetwork) {
      lines.push(
        `hostNetwork: counted only sockets of its own processes (${counts.notOwned} other ESTABLISHED sockets in the host netns left out)`,
      );
    }
    if (context.portsPerNode !== null && counts.publicEstablished > 0) {
      const share = Math.round((100 * counts.publicEstablished) / context.portsPerNode);
      lines.push(
        `holds ${counts.publicEstablished} of the node's ${context.portsPerNode} SNAT ports (${share}%)`,
      );
    }
  } else if (reading?.kind === 'failed') {
    lines.push(`socket table not read: ${reading.reason}`);
  } else if (reading === undefined && context.attribution !== null) {
    lines.push('no socket table: ranked on the trace alone');
  }
  if (input.tracedConnects > 0) {
    const rate =
      context.traceSeconds !== null && context.traceSeconds > 0
        ? ` (${formatRate(input.tracedConnects / context.traceSeconds)}/s)`
        : '';
    const window = context.traceSeconds !== null ? ` in ${context.traceSeconds} s` : '';
    lines.push(
      `${input.tracedConnects} connects traced${window}${rate}, ${input.tracedPublicConnects} to public IPs`,
    );
  }
  const top = input.topDestinations[0];
  if (top !== undefined && top.public) {
    const parts = [
      top.established > 0 ? `${top.established} ESTABLISHED` : '',
      top.connects > 0 ? `${top.connects} connects` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(`top public destination ${formatEndpoint(top.daddr, top.dport)} (${parts})`);
  }
  return lines;
}

/** Connects per second as people read them: whole above 10, one decimal below. */
export function formatRate(perSecond: number): string {
  return perSecond >= 10 ? String(Math.round(perSecond)) : String(Math.round(perSecond * 10) / 10);
}
