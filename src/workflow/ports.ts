import type { V1Pod } from '@kubernetes/client-node';
import type { NodePod } from '../core/correlate';
import type { DebugPodInfo } from '../core/stale-debug-pods';

/** Which cluster: its resource ID (a rerun), or the node resource group its load balancer is in (an alert). */
export type ClusterRef =
  { readonly clusterId: string } | { readonly subscriptionId: string; readonly nodeResourceGroup: string };

/** The managed cluster as the investigation needs it: plain data, no credential. */
export interface ClusterInfo {
  readonly id: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly subscriptionId: string;
  readonly nodeResourceGroup: string;
  /** Entra ID (managed AAD) integration: user credentials need a token from the credential. */
  readonly aadEnabled: boolean;
  readonly outbound: {
    /** `loadBalancer`, `managedNATGateway`, `userAssignedNATGateway`, `userDefinedRouting`, `none`, ... */
    readonly type: string;
    readonly outboundIps: number;
    /** Ports per node; 0 means Azure chooses from its default table. */
    readonly allocatedOutboundPorts: number;
    readonly idleTimeoutMinutes: number;
  };
  readonly nodeCount: number;
}

export interface NodeSnat {
  readonly usedPorts: number;
  readonly allocatedPorts: number;
  readonly failedConnections: number;
  /** UsedSnatPorts per minute, oldest first. */
  readonly usedOverTime?: readonly { readonly at: string; readonly used: number }[];
}

/** Azure as the investigation needs it (AzureAccess in production). */
export interface AzurePort {
  findCluster(ref: ClusterRef): Promise<ClusterInfo>;
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

export interface FoundNode {
  readonly name: string;
  readonly ip: string;
  /** Nodes in the cluster: the SNAT budget's default table depends on it. */
  readonly nodeCount: number;
  /** The node's `kubernetes.io/os` label: a Windows node gets no debug pod (there is no bcc on it). */
  readonly os?: string;
  /** `status.nodeInfo.osImage`, e.g. `Ubuntu 22.04.5 LTS`, for the finding. */
  readonly osImage?: string;
}

/** The cluster's API server as the investigation needs it (KubeAccess in production). */
export interface KubePort {
  findNodeByIp(ip: string): Promise<FoundNode | null>;
  findNodeByName(name: string): Promise<FoundNode | null>;
  podsOnNode(nodeName: string): Promise<NodePod[]>;
  createPod(pod: V1Pod): Promise<void>;
  readPod(namespace: string, name: string): Promise<V1Pod>;
  deletePod(namespace: string, name: string): Promise<void>;
  /** The responder's debug pods in a namespace (by their labels), for the sweeper. */
  debugPods(namespace: string): Promise<DebugPodInfo[]>;
  /** The container's log as it stands (kubelet's current file), at most `limitBytes` of it. */
  readLog(namespace: string, name: string, container: string, limitBytes: number): Promise<string>;
  followLog(
    namespace: string,
    name: string,
    container: string,
    onChunk: (chunk: Buffer) => boolean,
  ): Promise<void>;
  exec(namespace: string, name: string, container: string, command: readonly string[]): Promise<ExecResult>;
  /**
   * An exec whose stdout is handed over chunk by chunk, never held whole (the trace). When `onStdout`
   * returns a promise, reading stops until it settles: the consumer sets the pace.
   */
  execStream(
    namespace: string,
    name: string,
    container: string,
    command: readonly string[],
    onStdout: (chunk: Buffer) => void | Promise<void>,
  ): Promise<Omit<ExecResult, 'stdout'>>;
}

/** Where the raw evidence goes, before anything is posted (DESIGN.md section 4, Blob layout). */
export interface ArchivePort {
  /** Where a person finds the folder (a URL, or a local path). */
  readonly location: string;
  write(path: string, content: string): Promise<void>;
  /** A file too large to hold (the trace), written as its chunks arrive, never joined in memory. */
  writeChunks(path: string, chunks: AsyncIterable<Buffer>): Promise<void>;
  read(path: string): Promise<string>;
}

/** What the investigation's steps reach the world through: the same for the CLI and the Functions app. */
export interface StepPorts {
  readonly azure: AzurePort;
  readonly kube: (kubeconfig: string) => KubePort;
  /** The archive folder of one investigation (`<cluster>/<node>/<UTC stamp>-<id>`). */
  readonly archive: (folder: string) => ArchivePort;
  readonly debugNamespace: string;
  readonly debugImage: string;
  /** Posts a message to the Teams channel; absent where there is none (the CLI). */
  readonly teams?: (
    message: unknown,
  ) => Promise<{ posted: boolean; attempts: number; reason: string | null }>;
  /** One line at a time, for a person watching (stderr in the CLI, the log in Azure). */
  readonly progress?: (line: string) => void;
  /** How long to wait for the debug pod to start (the image may have to be pulled). */
  readonly startTimeoutMs?: number;
  /** How many socket-reading execs run at once. */
  readonly socketConcurrency?: number;
  /** Where raw evidence waits while the archive is unavailable (DEFAULT_SPOOL_ROOT otherwise). */
  readonly spoolRoot?: string;
}
