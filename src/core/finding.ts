import type { TraceEventType } from './parse-tcptracer';

/**
 * The neutral result of an investigation (DESIGN.md section 4, `schemaVersion: 1`). Every sink — the CLI
 * table, the Teams card, the HTML report, finding.json — renders this and nothing else.
 */
export interface Finding {
  readonly schemaVersion: 1;
  readonly status: FindingStatus;
  readonly cluster: { readonly id: string; readonly name: string } | null;
  readonly node: { readonly name: string; readonly ip: string } | null;
  readonly trace: FindingTrace | null;
  readonly pods: readonly RankedPod[];
  readonly culprit: PodRef | null;
  readonly snat: SnatUsage | null;
  readonly recommendations: readonly Recommendation[];
  readonly warnings: readonly string[];
  readonly archive: { readonly location: string } | null;
}

export type FindingStatus = 'complete' | 'partial' | 'failed';

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
}

export interface FindingDestination {
  readonly daddr: string;
  readonly dport: number;
  /** Connects traced to this destination. */
  readonly connects: number;
  readonly public: boolean;
}

export interface PodDestination extends FindingDestination {
  /** ESTABLISHED sockets to this destination in the pod's socket table. */
  readonly established: number;
}

export interface FindingTraceSource {
  readonly saddr: string;
  readonly netns: number | null;
  readonly connects: number;
  readonly publicConnects: number;
  readonly accepts: number;
  readonly closes: number;
  /** Closes of dual-stack connections to IPv4 (`::ffff:`), whose connects tcptracer does not print. */
  readonly mappedCloses?: number;
  readonly connectsPerSecond: number | null;
  readonly pod: PodRef | null;
  readonly topDestinations: readonly FindingDestination[];
}

export interface FindingTrace {
  readonly events: Readonly<Record<TraceEventType, number>>;
  readonly lostSamples: number;
  readonly skippedLines: number;
  readonly durationSeconds: number | null;
  /** Seconds actually traced, from tcptracer's banner to its stop (absent for a trace read from a file). */
  readonly windowSeconds?: number | null;
  /** From the debug pod running to tcptracer's banner: the BPF compile (absent for a trace read from a file). */
  readonly startupSeconds?: number | null;
  readonly sources: readonly FindingTraceSource[];
}

export interface RankedPod extends PodRef {
  readonly rank: number;
  readonly hostNetwork: boolean;
  /** Null when the pod's socket table could not be read; the pod is then ranked on the trace alone. */
  readonly established: number | null;
  readonly publicEstablished: number | null;
  readonly tracedConnects: number;
  readonly tracedPublicConnects: number;
  readonly topDestinations: readonly PodDestination[];
  readonly evidence: readonly string[];
}

export interface SnatUsage {
  readonly allocatedPorts: number;
  readonly usedPorts: number;
  readonly failedConnections: number;
  /** Ports each node may use: allocatedOutboundPorts, or the default table's value for the pool size. */
  readonly portsPerNode: number | null;
  readonly outboundIps: number | null;
  readonly maxNodes: number | null;
  readonly nodeCount: number | null;
  /** UsedSnatPorts per minute over the last 30 minutes, oldest first (the load balancer's metrics). */
  readonly usedOverTime?: readonly { readonly at: string; readonly used: number }[];
}

export type RecommendationId =
  'connection-pooling' | 'private-link' | 'more-outbound-ports' | 'more-outbound-ips' | 'nat-gateway';

export interface Recommendation {
  readonly id: RecommendationId;
  readonly text: string;
}

export const FINDING_SCHEMA_VERSION = 1;
