import { Writable } from 'node:stream';
import { CoreV1Api, Exec, KubeConfig, Log, type V1Pod, type V1Status } from '@kubernetes/client-node';
import type { NodePod } from '../../core/correlate';
import { KubeError } from './kube-error';
import type { DebugPodInfo } from '../../core/stale-debug-pods';
import type { ExecResult } from '../../workflow/ports';
import { DEBUG_POD_LABELS } from './debug-pod';

const PAGE = 500;

function statusOf(error: unknown): number | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}

async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const status = statusOf(error);
    throw new KubeError(`${what} failed${status === null ? '' : ` (HTTP ${status})`}`, status, {
      cause: error,
    });
  }
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

  constructor({ kubeconfig }: { readonly kubeconfig: string }) {
    this.config = new KubeConfig();
    this.config.loadFromString(kubeconfig);
    this.core = this.config.makeApiClient(CoreV1Api);
  }

  /** The node whose InternalIP is `ip` (the alert's BackendIPAddress), with the cluster's node count. */
  findNodeByIp(ip: string): Promise<{ name: string; ip: string; nodeCount: number } | null> {
    return this.findNode((_name, ips) => (ips.includes(ip) ? ip : null));
  }

  /** The node called `name`, with its InternalIP and the cluster's node count; null when there is none. */
  findNodeByName(name: string): Promise<{ name: string; ip: string; nodeCount: number } | null> {
    return this.findNode((nodeName, ips) => (nodeName === name ? (ips[0] ?? null) : null));
  }

  /** Reads the node list a page at a time; `match` gives the IP of the node sought, null for others. */
  private async findNode(
    match: (name: string, internalIps: readonly string[]) => string | null,
  ): Promise<{ name: string; ip: string; nodeCount: number } | null> {
    let found: { name: string; ip: string } | null = null;
    let nodeCount = 0;
    let token: string | undefined;
    do {
      const page = await call('listing nodes', () => this.core.listNode({ limit: PAGE, _continue: token }));
      nodeCount += page.items.length;
      for (const node of page.items) {
        const name = node.metadata?.name ?? '';
        const ips = (node.status?.addresses ?? [])
          .filter((a) => a.type === 'InternalIP')
          .map((a) => a.address);
        const sought: string | null = found === null ? match(name, ips) : null;
        if (sought !== null) found = { name, ip: sought };
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
      const page = await call("listing the node's pods", () =>
        this.core.listPodForAllNamespaces({
          fieldSelector: `spec.nodeName=${nodeName}`,
          limit: PAGE,
          _continue: token,
        }),
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
    await call(`creating pod ${namespace}/${pod.metadata?.name}`, () =>
      this.core.createNamespacedPod({ namespace, body: pod }),
    );
  }

  async readPod(namespace: string, name: string): Promise<V1Pod> {
    return call(`reading pod ${namespace}/${name}`, () => this.core.readNamespacedPod({ namespace, name }));
  }

  async debugPods(namespace: string): Promise<DebugPodInfo[]> {
    const pods: DebugPodInfo[] = [];
    let token: string | undefined;
    do {
      const page = await call(`listing debug pods in ${namespace}`, () =>
        this.core.listNamespacedPod({
          namespace,
          labelSelector: Object.entries(DEBUG_POD_LABELS)
            .map(([key, value]) => `${key}=${value}`)
            .join(','),
          limit: PAGE,
          _continue: token,
        }),
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
      await this.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw new KubeError(`deleting pod ${namespace}/${name} failed`, statusOf(error), { cause: error });
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
    let stopped = false;
    await new Promise<void>((resolve, reject) => {
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          if (!stopped && onChunk(chunk)) {
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
      new Log(this.config).log(namespace, name, container, sink, { follow: true }).catch((error: unknown) => {
        reject(
          new KubeError(`following the log of ${namespace}/${name} failed`, statusOf(error), {
            cause: error,
          }),
        );
      });
    });
  }

  /** Runs a command in a container and gives back what it printed and its exit code. */
  async exec(
    namespace: string,
    name: string,
    container: string,
    command: readonly string[],
  ): Promise<ExecResult> {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const collect = (into: Buffer[]) =>
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          into.push(chunk);
          callback();
        },
      });
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(this.config)
        .exec(
          namespace,
          name,
          container,
          [...command],
          collect(stdout),
          collect(stderr),
          null,
          false,
          resolve,
        )
        .then((socket) => {
          socket.on('close', () =>
            resolve({ status: 'Failure', message: 'the exec stream closed without a status' }),
          );
          socket.on('error', (error) =>
            reject(new KubeError(`exec in ${namespace}/${name} failed`, null, { cause: error })),
          );
        })
        .catch((error: unknown) =>
          reject(new KubeError(`exec in ${namespace}/${name} failed`, statusOf(error), { cause: error })),
        );
    });
    return {
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
      exitCode: exitCodeOf(status),
    };
  }
}
