import type { V1Pod } from '@kubernetes/client-node';
import { ContainerLog } from './container-log';
import {
  allocatePodIp,
  choosePodNode,
  containerExitedStatus,
  deadlineExceededStatus,
  isTerminal,
  nodeInternalIp,
  runningStatus,
  scheduledStatus,
  unschedulableStatus,
} from './kube-pod-status';
import { POD_RESOURCE } from './kube-resources';
import type { KubeStore } from './kube-store';
import { ContainerStartError, type PodRuntime } from './pod-runtime';

/**
 * The scheduler and kubelets of the simulated cluster: binds created pods to a node, starts them after
 * `startDelayMs`, runs their containers through the PodRuntime, keeps what they write, and enforces
 * activeDeadlineSeconds. Every timer and stream it starts is stopped by forget() or close().
 */

export interface PodLifecycleOptions {
  readonly store: KubeStore;
  readonly runtime: PodRuntime;
  readonly startDelayMs: number;
  readonly now?: () => Date;
  readonly faults?: PodFaults;
}

/** What goes wrong, on purpose, with the pods created through the API (the scenario's `faults`). */
export interface PodFaults {
  /** They never run: stuck ContainerCreating, or their image cannot be pulled. */
  readonly debugPod?: 'pending' | 'imagePullBackOff';
  /** Their node is deleted, with every pod on it, this long after one is created. */
  readonly nodeRemovedAfterSeconds?: number;
}

interface PodRun {
  readonly timers: Set<NodeJS.Timeout>;
  readonly abort: AbortController;
  readonly logs: Map<string, ContainerLog>;
}

export class PodLifecycle {
  private readonly runs = new Map<string, PodRun>();
  private readonly store: KubeStore;
  private readonly runtime: PodRuntime;
  private readonly startDelayMs: number;
  private readonly now: () => Date;
  private readonly faults: PodFaults;
  /** Timers of the cluster itself (a node's removal), not of one pod. */
  private readonly clusterTimers = new Set<NodeJS.Timeout>();

  constructor(options: PodLifecycleOptions) {
    this.store = options.store;
    this.runtime = options.runtime;
    this.startDelayMs = options.startDelayMs;
    this.now = options.now ?? (() => new Date());
    this.faults = options.faults ?? {};
  }

  /** Takes a pod the API just created: schedules it, and sets the timers for its start and its deadline. */
  admit(created: V1Pod): void {
    const key = POD_RESOURCE.key(created);
    const run = this.runFor(key);
    const nodes = this.store.nodes.all();
    const nodeName = choosePodNode(created, nodes);
    if (nodeName === undefined) {
      this.store.pods.update(key, (pod) => ({
        ...pod,
        status: unschedulableStatus(pod, nodes.length, this.now()),
      }));
      return;
    }
    const node = nodes.find((n) => n.metadata?.name === nodeName);
    const bound = this.store.pods.update(key, (pod) => ({
      ...pod,
      spec: { ...(pod.spec ?? { containers: [] }), nodeName },
      // A node that does not exist has no kubelet to take the pod: it stays Pending, as in a real cluster.
      ...(node === undefined ? {} : { status: scheduledStatus(pod, node, this.now()) }),
    }));
    if (node === undefined || bound === undefined) return;
    for (const container of bound.spec?.containers ?? []) run.logs.set(container.name, new ContainerLog());
    const removal = this.faults.nodeRemovedAfterSeconds;
    if (removal !== undefined) {
      const timer = setTimeout(() => {
        this.clusterTimers.delete(timer);
        this.removeNode(nodeName);
      }, removal * 1000);
      this.clusterTimers.add(timer);
    }
    if (this.faults.debugPod === 'imagePullBackOff') {
      this.later(run, this.startDelayMs, () => this.backOffPulling(key));
    } else if (this.faults.debugPod !== 'pending') {
      this.later(run, this.startDelayMs, () => this.start(key));
    }
    const deadline = bound.spec?.activeDeadlineSeconds;
    if (deadline !== undefined) this.later(run, deadline * 1000, () => this.exceedDeadline(key));
  }

  /** The log of a container; pods the server did not start get an empty one that ends with the pod. */
  log(pod: V1Pod, container: string): ContainerLog {
    const logs = this.runFor(POD_RESOURCE.key(pod)).logs;
    const existing = logs.get(container);
    if (existing !== undefined) return existing;
    const log = new ContainerLog();
    logs.set(container, log);
    return log;
  }

  /** The pod is gone: stop its timers and containers, end its logs' followers. */
  forget(key: string): void {
    const run = this.runs.get(key);
    if (run === undefined) return;
    this.runs.delete(key);
    this.stop(run);
  }

  close(): void {
    for (const timer of this.clusterTimers) clearTimeout(timer);
    this.clusterTimers.clear();
    for (const key of [...this.runs.keys()]) this.forget(key);
  }

  /**
   * The node is gone (scaled in, or its VM replaced): the node object, and with it every pod bound to it,
   * as the pod garbage collector does (at once here, within a minute or so in AKS).
   */
  removeNode(nodeName: string): void {
    if (this.store.nodes.remove(nodeName) === undefined) return;
    for (const pod of this.store.pods.all().filter((p) => p.spec?.nodeName === nodeName)) {
      const key = POD_RESOURCE.key(pod);
      this.store.pods.remove(key, (last) => ({
        ...last,
        metadata: { ...last.metadata, deletionTimestamp: this.now(), deletionGracePeriodSeconds: 0 },
      }));
      this.forget(key);
    }
  }

  /** The kubelet cannot pull the pod's image (no egress, say): it backs off, and the pod stays Pending. */
  private backOffPulling(key: string): void {
    this.store.pods.update(key, (pod) => ({
      ...pod,
      status: {
        ...pod.status,
        containerStatuses: (pod.status?.containerStatuses ?? []).map((status) => ({
          ...status,
          state: {
            waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${status.image}"` },
          },
        })),
      },
    }));
  }

  private runFor(key: string): PodRun {
    let run = this.runs.get(key);
    if (run === undefined) {
      run = { timers: new Set(), abort: new AbortController(), logs: new Map() };
      this.runs.set(key, run);
    }
    return run;
  }

  private stop(run: PodRun): void {
    for (const timer of run.timers) clearTimeout(timer);
    run.timers.clear();
    run.abort.abort();
    for (const log of run.logs.values()) log.end();
  }

  private later(run: PodRun, ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      run.timers.delete(timer);
      action();
    }, ms);
    run.timers.add(timer);
  }

  private start(key: string): void {
    const run = this.runs.get(key);
    const pod = this.store.pods.get(key);
    if (run === undefined || pod === undefined || isTerminal(pod)) return;
    const node = this.store.nodes.get(pod.spec?.nodeName ?? '');
    const hostIp = node === undefined ? undefined : nodeInternalIp(node);
    const used = new Set(
      this.store.pods.all().flatMap((p) => (p.status?.podIP === undefined ? [] : [p.status.podIP])),
    );
    const podIP = pod.spec?.hostNetwork === true && hostIp !== undefined ? hostIp : allocatePodIp(node, used);
    const running = this.store.pods.update(key, (p) => ({
      ...p,
      status: runningStatus(p, podIP, this.now()),
    }));
    if (running === undefined) return;
    for (const container of running.spec?.containers ?? []) {
      const log = run.logs.get(container.name) ?? new ContainerLog();
      run.logs.set(container.name, log);
      void this.runContainer(key, running, container.name, log, run.abort.signal);
    }
  }

  /** Reads the runtime's chunks into the log until the iterable ends (exit 0), throws (exit 1) or the pod stops. */
  private async runContainer(
    key: string,
    pod: V1Pod,
    container: string,
    log: ContainerLog,
    signal: AbortSignal,
  ): Promise<void> {
    const aborted = new Promise<'aborted'>((resolve) => {
      if (signal.aborted) resolve('aborted');
      signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    let exitCode = 0;
    let startError: string | undefined;
    try {
      const iterator = this.runtime.run(pod, container, signal)[Symbol.asyncIterator]();
      for (;;) {
        const next = iterator.next();
        // The race may leave this promise behind when the pod stops: its rejection then goes nowhere.
        next.catch(() => undefined);
        const result = await Promise.race([next, aborted]);
        if (result === 'aborted') {
          iterator.return?.().catch(() => undefined);
          return;
        }
        if (result.done === true) {
          exitCode = typeof result.value === 'number' ? result.value : 0;
          break;
        }
        log.append(String(result.value));
      }
    } catch (error) {
      exitCode = 1;
      if (error instanceof ContainerStartError) {
        exitCode = 128;
        startError = error.message;
      }
    }
    if (signal.aborted) return;
    const exited = this.store.pods.update(key, (p) =>
      isTerminal(p)
        ? p
        : { ...p, status: containerExitedStatus(p, container, exitCode, this.now(), startError) },
    );
    log.end();
    if (exited !== undefined && isTerminal(exited)) {
      const run = this.runs.get(key);
      if (run !== undefined) {
        for (const timer of run.timers) clearTimeout(timer);
        run.timers.clear();
      }
    }
  }

  private exceedDeadline(key: string): void {
    const run = this.runs.get(key);
    const pod = this.store.pods.get(key);
    if (run === undefined || pod === undefined || isTerminal(pod)) return;
    this.store.pods.update(key, (p) => ({ ...p, status: deadlineExceededStatus(p, this.now()) }));
    this.stop(run);
  }
}
