import { Writable } from 'node:stream';
import {
  CoreV1Api,
  Exec,
  KubeConfig,
  Log,
  Observable,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
import type { NodePod } from '../../core/correlate';
import { KubeError } from './kube-error';
import type { DebugPodInfo } from '../../core/stale-debug-pods';
import type { ExecResult, FoundNode } from '../../workflow/ports';
import { DEBUG_POD_LABELS } from './debug-pod';
import { retryAfterMs } from '../../core/retry-after';
import { DEFAULT_KUBE_RETRY, within, withKubeRetry, type KubeRetryOptions } from './kube-retry';

const PAGE = 500;

/** A failure's message: client-node rejects a refused WebSocket upgrade with an ErrorEvent, not an Error. */
function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : 'unknown failure';
}

/** The HTTP status of a client-node failure: an ApiException's code, or a refused WebSocket upgrade's. */
function statusOf(error: unknown): number | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'number') return code;
  const upgrade = /Unexpected server response: (\d{3})/.exec(messageOf(error));
  return upgrade === null ? null : Number(upgrade[1]);
}

function retryAfterOf(error: unknown): number | null {
  const headers = (error as { headers?: Record<string, string> } | null)?.headers;
  return retryAfterMs(headers?.['retry-after']);
}

function kubeError(what: string, error: unknown): KubeError {
  const status = statusOf(error);
  return new KubeError(`${what} failed${status === null ? '' : ` (HTTP ${status})`}`, status, {
    cause: error instanceof Error ? error : new Error(messageOf(error)),
    retryAfterMs: retryAfterOf(error),
  });
}

/** Bounds one REST request in time (client-node has no timeout of its own). */
function timeoutOptions(ms: number): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(AbortSignal.timeout(ms));
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : 1;
}

/**
 * The cluster as the investigation needs it, through @kubernetes/client-node. Built from a kubeconfig
 * text that stays inside this object (DESIGN.md section 6: credentials never cross an activity boundary).
 */
export class KubeAccess {
  private readonly config: KubeConfig;
  private readonly core: CoreV1Api;
  private readonly retry: KubeRetryOptions;

  constructor({
    kubeconfig,
    retry = {},
  }: {
    readonly kubeconfig: string;
    /** How throttled, failing or silent requests are retried (DEFAULT_KUBE_RETRY otherwise). */
    readonly retry?: Partial<KubeRetryOptions>;
  }) {
    this.config = new KubeConfig();
    this.config.loadFromString(kubeconfig);
    this.core = this.config.makeApiClient(CoreV1Api);
    this.retry = { ...DEFAULT_KUBE_RETRY, ...retry };
  }

  /** One REST call, bounded in time, retried while the failure is transient (429, 5xx, no answer). */
  private call<T>(what: string, run: (options: ConfigurationOptions) => Promise<T>): Promise<T> {
    return withKubeRetry(this.retry, async (timeoutMs) => {
      try {
        return await run(timeoutOptions(timeoutMs));
      } catch (error) {
        throw kubeError(what, error);
      }
    });
  }

  /** The node whose InternalIP is `ip` (the alert's BackendIPAddress), with the cluster's node count. */
  findNodeByIp(ip: string): Promise<FoundNode | null> {
    return this.findNode((_name, ips) => (ips.includes(ip) ? ip : null));
  }

  /** The node called `name`, with its InternalIP and the cluster's node count; null when there is none. */
  findNodeByName(name: string): Promise<FoundNode | null> {
    return this.findNode((nodeName, ips) => (nodeName === name ? (ips[0] ?? null) : null));
  }

  /** Reads the node list a page at a time; `match` gives the IP of the node sought, null for others. */
  private async findNode(
    match: (name: string, internalIps: readonly string[]) => string | null,
  ): Promise<FoundNode | null> {
    let found: Omit<FoundNode, 'nodeCount'> | null = null;
    let nodeCount = 0;
    let token: string | undefined;
    do {
      const page = await this.call('listing nodes', (o) =>
        this.core.listNode({ limit: PAGE, _continue: token }, o),
      );
      nodeCount += page.items.length;
      for (const node of page.items) {
        const name = node.metadata?.name ?? '';
        const ips = (node.status?.addresses ?? [])
          .filter((a) => a.type === 'InternalIP')
          .map((a) => a.address);
        const sought: string | null = found === null ? match(name, ips) : null;
        if (sought !== null) {
          const os = node.metadata?.labels?.['kubernetes.io/os'] ?? node.status?.nodeInfo?.operatingSystem;
          const osImage = node.status?.nodeInfo?.osImage;
          found = {
            name,
            ip: sought,
            ...(os === undefined ? {} : { os }),
            ...(osImage === undefined || osImage === '' ? {} : { osImage }),
          };
        }
      }
      token = page.metadata?._continue || undefined;
    } while (token !== undefined);
    return found === null ? null : { ...found, nodeCount };
  }

  /** Every pod scheduled on the node, responder debug pods left out. */
  async podsOnNode(nodeName: string): Promise<NodePod[]> {
    const pods: NodePod[] = [];
    let token: string | undefined;
    do {
      const page = await this.call("listing the node's pods", (o) =>
        this.core.listPodForAllNamespaces(
          { fieldSelector: `spec.nodeName=${nodeName}`, limit: PAGE, _continue: token },
          o,
        ),
      );
      for (const pod of page.items) {
        if (pod.metadata?.labels?.['app.kubernetes.io/name'] === DEBUG_POD_LABELS['app.kubernetes.io/name']) {
          continue;
        }
        // A completed pod (a Job's, say) has no process and holds no socket.
        if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
        const hostNetwork = pod.spec?.hostNetwork === true;
        const ips = hostNetwork
          ? []
          : (pod.status?.podIPs?.map((p) => p.ip) ??
            (pod.status?.podIP === undefined ? [] : [pod.status.podIP]));
        pods.push({
          namespace: pod.metadata?.namespace ?? '',
          name: pod.metadata?.name ?? '',
          ips,
          hostNetwork,
          containers: (pod.spec?.containers ?? []).map((c) => c.name),
        });
      }
      token = page.metadata?._continue || undefined;
    } while (token !== undefined);
    return pods;
  }

  async createPod(pod: V1Pod): Promise<void> {
    const namespace = pod.metadata?.namespace ?? 'default';
    // A create retried after no answer may meet the pod it made: the caller takes the 409 as its own.
    await this.call(`creating pod ${namespace}/${pod.metadata?.name}`, (o) =>
      this.core.createNamespacedPod({ namespace, body: pod }, o),
    );
  }

  /** What the container has written to its log so far (the current file), at most `limitBytes` of it. */
  async readLog(namespace: string, name: string, container: string, limitBytes: number): Promise<string> {
    return this.call(`reading the log of ${namespace}/${name}`, (o) =>
      this.core.readNamespacedPodLog({ namespace, name, container, limitBytes }, o),
    );
  }

  async readPod(namespace: string, name: string): Promise<V1Pod> {
    return this.call(`reading pod ${namespace}/${name}`, (o) =>
      this.core.readNamespacedPod({ namespace, name }, o),
    );
  }

  async debugPods(namespace: string): Promise<DebugPodInfo[]> {
    const pods: DebugPodInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(`listing debug pods in ${namespace}`, (o) =>
        this.core.listNamespacedPod(
          {
            namespace,
            labelSelector: Object.entries(DEBUG_POD_LABELS)
              .map(([key, value]) => `${key}=${value}`)
              .join(','),
            limit: PAGE,
            _continue: token,
          },
          o,
        ),
      );
      for (const pod of page.items) {
        const created = pod.metadata?.creationTimestamp;
        pods.push({
          namespace,
          name: pod.metadata?.name ?? '',
          createdAt: created === undefined ? '' : new Date(created).toISOString(),
          deadlineSeconds: pod.spec?.activeDeadlineSeconds ?? null,
          phase: pod.status?.phase ?? 'Unknown',
        });
      }
      token = page.metadata?._continue || undefined;
    } while (token !== undefined);
    return pods;
  }

  /** Deletes a pod; one that is already gone is no error. */
  async deletePod(namespace: string, name: string): Promise<void> {
    try {
      await this.call(`deleting pod ${namespace}/${name}`, (o) =>
        this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }, o),
      );
    } catch (error) {
      // Gone already, or gone by a retried delete whose first answer was lost.
      if (error instanceof KubeError && error.status === 404) return;
      throw error;
    }
  }

  /**
   * Follows a container's log, handing each chunk over as it arrives, until the container ends or
   * `onChunk` returns true (enough read). The request is not aborted then: client-node pipes the response
   * into our sink and leaves the response's own errors unheard, so an abort would surface as an uncaught
   * AbortError. Later chunks are dropped instead, and the response ends with the container or the pod.
   */
  async followLog(
    namespace: string,
    name: string,
    container: string,
    onChunk: (chunk: Buffer) => boolean,
  ): Promise<void> {
    const what = `following the log of ${namespace}/${name}`;
    await withKubeRetry(this.retry, (timeoutMs) =>
      this.followOnce(what, namespace, name, container, onChunk, timeoutMs),
    );
  }

  /** One attempt: it owns `onChunk` until it gives up, so a late answer to it cannot count twice. */
  private followOnce(
    what: string,
    namespace: string,
    name: string,
    container: string,
    onChunk: (chunk: Buffer) => boolean,
    timeoutMs: number,
  ): Promise<void> {
    let live = true;
    let stopped = false;
    return new Promise<void>((resolve, reject) => {
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          if (live && !stopped && onChunk(chunk)) {
            stopped = true;
            resolve();
          }
          callback();
        },
        final(callback) {
          resolve();
          callback();
        },
      });
      const started = new Log(this.config).log(namespace, name, container, sink, { follow: true });
      within(timeoutMs, what, started).catch((error: unknown) => {
        live = false;
        reject(error instanceof KubeError ? error : kubeError(what, error));
      });
    });
  }

  /**
   * Runs a command in a container and gives back what it printed and its exit code. Only reads are ever
   * run this way (cat, ss, lsns, ...), so an exec whose connection failed is simply run again.
   */
  async exec(
    namespace: string,
    name: string,
    container: string,
    command: readonly string[],
  ): Promise<ExecResult> {
    const what = `exec in ${namespace}/${name}`;
    return withKubeRetry(this.retry, (timeoutMs) =>
      this.execOnce(what, namespace, name, container, command, timeoutMs),
    );
  }

  /**
   * Runs a command whose stdout is too large to hold (the trace): each chunk goes to `onStdout` as it
   * arrives. An exec that fails before its first byte is retried as exec is; once bytes have been handed
   * over, a failure is final (a retry would hand them over twice) and the step retries whole.
   */
  async execStream(
    namespace: string,
    name: string,
    container: string,
    command: readonly string[],
    onStdout: (chunk: Buffer) => void | Promise<void>,
  ): Promise<Omit<ExecResult, 'stdout'>> {
    const what = `exec in ${namespace}/${name}`;
    let delivered = false;
    const sink = (chunk: Buffer) => {
      delivered = true;
      return onStdout(chunk);
    };
    return withKubeRetry(this.retry, async (timeoutMs) => {
      try {
        const { stderr, exitCode } = await this.execOnce(
          what,
          namespace,
          name,
          container,
          command,
          timeoutMs,
          sink,
        );
        return { stderr, exitCode };
      } catch (error) {
        if (!delivered) throw error;
        throw new Error(`${what}: the stream broke after it had begun: ${messageOf(error)}`, {
          cause: error,
        });
      }
    });
  }

  private async execOnce(
    what: string,
    namespace: string,
    name: string,
    container: string,
    command: readonly string[],
    timeoutMs: number,
    onStdout?: (chunk: Buffer) => void | Promise<void>,
  ): Promise<ExecResult> {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let socket: { pause(): void; resume(): void } | null = null;
    const collect = (into: Buffer[], each?: (chunk: Buffer) => void | Promise<void>) =>
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          if (each === undefined) {
            into.push(chunk);
            return callback();
          }
          const taken = each(chunk);
          if (taken === undefined) return callback();
          // The consumer is full: stop reading the WebSocket until it has room (client-node writes to
          // this stream without heeding backpressure, so the pause has to be at the socket).
          socket?.pause();
          taken.then(
            () => {
              socket?.resume();
              callback();
            },
            (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
          );
        },
      });
    const status = await new Promise<V1Status>((resolve, reject) => {
      const opened = new Exec(this.config).exec(
        namespace,
        name,
        container,
        [...command],
        collect(stdout, onStdout),
        collect(stderr),
        null,
        false,
        resolve,
      );
      // A connection that opens after its attempt gave up is closed at once.
      within(timeoutMs, what, opened, (late) => late.close())
        .then((ws) => {
          socket = ws;
          ws.on('close', () =>
            resolve({ status: 'Failure', message: 'the exec stream closed without a status' }),
          );
          ws.on('error', (error) => reject(new KubeError(`${what} failed`, null, { cause: error })));
        })
        .catch((error: unknown) => reject(error instanceof KubeError ? error : kubeError(what, error)));
    });
    return {
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
      exitCode: exitCodeOf(status),
    };
  }
}
