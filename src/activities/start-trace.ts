import { z } from 'zod';
import type { NodePod } from '../core/correlate';
import { oneLine } from '../core/errors';
import type { CommandRecord } from '../core/node-command-record';
import { isTracing, parseTraceProbe, parseTraceTimes, round2, tracerFailure } from '../core/tracer-outcome';
import type { V1Pod } from '@kubernetes/client-node';
import { DEBUG_CONTAINER, debugPodName, debugPodSpec, RUN_ANNOTATION } from '../adapters/kube/debug-pod';
import { KubeError } from '../adapters/kube/kube-error';
import { nodeCommands, TRACER_STARTUP_LIMIT_SECONDS } from '../workflow/node-commands';
import type { KubePort } from '../workflow/ports';
import { nodeNameSchema, traceSecondsSchema } from '../core/investigation-request';
import {
  archiveFolderSchema,
  clusterInfoSchema,
  defineActivity,
  investigationIdSchema,
  kubeFor,
} from './activity';
import { NodeShell } from './node-shell';

const POLL_MS = 250;
/** How often the banner is looked for during the BPF compile: the start-up figure is this precise. */
const BANNER_POLL_MS = 500;

export interface TraceStart {
  /** The node's pods as the API server lists them. */
  readonly pods: NodePod[];
  /** Why the debug pod is not running: the investigation goes on without a trace, and without the host side. */
  readonly problem: string | null;
  /**
   * Why the pod runs but tcptracer does not trace (no python3, no bcc, a failed BPF compile, an OOM kill):
   * the host side (correlation, sockets) still works.
   */
  readonly traceProblem: string | null;
  /** The node's uptime when the banner was seen: the trace window counts from it. */
  readonly bannerAt: number | null;
  /** From the pod running to tcptracer's banner: the BPF compile. */
  readonly startupSeconds: number | null;
  readonly commands: readonly CommandRecord[];
}

/**
 * Lists the node's pods, then starts the privileged debug pod that runs tcptracer on the node and waits
 * until it runs: the trace window starts when this returns. Running it again for the same investigation
 * finds the same pod (its name comes from the investigation ID).
 */
export const startTrace = defineActivity({
  name: 'startTrace',
  input: z.object({
    cluster: clusterInfoSchema,
    nodeName: nodeNameSchema,
    investigationId: investigationIdSchema,
    traceSeconds: traceSecondsSchema,
    /** The run's request time: tells this run's own pod (a retried step) from an earlier run's leftover. */
    runId: z.string().min(1).max(64),
    archiveFolder: archiveFolderSchema,
  }),
  run: async (
    { cluster, nodeName, investigationId, traceSeconds, runId, archiveFolder },
    ports,
  ): Promise<TraceStart> => {
    const kube = await kubeFor(ports, cluster);
    const namespace = ports.debugNamespace;
    const name = debugPodName(investigationId);
    // The node's pods are listed while the debug pod starts: neither needs the other.
    const spec = debugPodSpec({
      investigationId,
      nodeName,
      namespace,
      image: ports.debugImage,
      traceSeconds,
      runId,
    });
    // What runs privileged on the node, on record before it runs.
    await ports.archive(archiveFolder).write('debug-pod.json', `${JSON.stringify(spec, null, 2)}\n`);
    const [pods, problem] = await Promise.all([
      kube.podsOnNode(nodeName),
      (async () => {
        if (!(await created(kube, spec))) {
          const existing = await kube.readPod(namespace, name);
          const madeBy = existing.metadata?.annotations?.[RUN_ANNOTATION];
          // The same run: a retried step finds its own pod, already tracing.
          if (madeBy !== runId) {
            // An earlier run of this investigation died and left its pod: it goes before this run's starts,
            // so that the node never has two of them.
            ports.progress?.(`replacing the debug pod left by an earlier run (${madeBy ?? 'unknown'})`);
            await kube.deletePod(namespace, name);
            await waitUntilGone(kube, namespace, name);
            if (!(await created(kube, spec))) throw new KubeError(`pod ${namespace}/${name} came back`, 409);
          }
        }
        try {
          await waitUntilRunning(kube, namespace, name, ports.startTimeoutMs ?? 120_000);
          return null;
        } catch (error) {
          if (error instanceof KubeError) throw error;
          return oneLine(error);
        }
      })(),
    ]);
    const shell = new NodeShell(kube, namespace, name, DEBUG_CONTAINER, 'startTrace');
    if (problem !== null) {
      return { pods, problem, traceProblem: null, bannerAt: null, startupSeconds: null, commands: [] };
    }
    let started: Awaited<ReturnType<typeof waitForBanner>>;
    try {
      started = await waitForBanner(shell, ports.progress);
    } catch (error) {
      // RBAC that refuses exec into the pod is not a passing fault: say so at once, rather than retry.
      if (!(error instanceof KubeError && error.status === 403)) throw error;
      started = {
        failure: `no trace: ${oneLine(error)}: the trace is a file in the debug pod, read by exec (pods/exec in namespace ${namespace}, infra/k8s/20-debug-pods.yaml)`,
      };
    }
    if ('failure' in started) {
      return {
        pods,
        problem: null,
        traceProblem: started.failure,
        bannerAt: null,
        startupSeconds: null,
        commands: shell.records,
      };
    }
    // The pod times the window itself, from the banner: traceSeconds whatever the responder does next.
    return {
      pods,
      problem: null,
      traceProblem: null,
      bannerAt: started.bannerAt,
      startupSeconds: started.startupSeconds,
      commands: shell.records,
    };
  },
});

/**
 * Waits for tcptracer's banner: its BPF program compiled and attached, the trace has begun. A tracer that
 * ends first, or prints something else and ends, did not trace: the failure says why, in its own words.
 */
async function waitForBanner(
  shell: NodeShell,
  progress: ((line: string) => void) | undefined,
): Promise<{ bannerAt: number; startupSeconds: number | null } | { failure: string }> {
  progress?.('tcptracer compiling its BPF program');
  let firstUptime: number | null = null;
  for (;;) {
    const result = await shell.run(nodeCommands.traceProbe());
    if (result.exitCode !== 0)
      throw new Error(`trace probe exited ${result.exitCode}: ${result.stderr.trim()}`);
    const probe = parseTraceProbe(result.stdout);
    firstUptime ??= probe.uptime;
    if (isTracing(probe)) {
      // The pod's own clock, start to banner: the BPF compile (and the pod's first steps).
      const times = parseTraceTimes((await shell.run(nodeCommands.traceTimes())).stdout);
      const bannerAt = probe.bannerAt as number;
      return { bannerAt, startupSeconds: times.started === null ? null : round2(bannerAt - times.started) };
    }
    if (probe.status !== null) {
      const [stderr, out] = await Promise.all([shell.log(), shell.run(nodeCommands.traceLog())]);
      return { failure: tracerFailure({ status: probe.status, stderr, stdout: out.stdout }) };
    }
    if (probe.uptime - firstUptime > TRACER_STARTUP_LIMIT_SECONDS) {
      const stderr = await shell.log();
      return {
        failure: tracerFailure({ status: null, stderr, stdout: probe.firstLine ?? '' }).replace(
          'did not start',
          `printed no banner in ${TRACER_STARTUP_LIMIT_SECONDS} s`,
        ),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, BANNER_POLL_MS));
  }
}

/** Creates the pod; false when one of that name is already there. */
async function created(kube: KubePort, pod: V1Pod): Promise<boolean> {
  try {
    await kube.createPod(pod);
    return true;
  } catch (error) {
    if (error instanceof KubeError && error.status === 409) return false;
    throw error;
  }
}

async function waitUntilGone(kube: KubePort, namespace: string, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await kube.readPod(namespace, name);
    } catch (error) {
      if (error instanceof KubeError && error.status === 404) return;
      throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`debug pod ${namespace}/${name} still there 60 s after its deletion`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Container waiting reasons that will not clear by themselves within an incident: the image cannot be
 * pulled (the node's own egress may be the exhausted SNAT), or the container cannot be made.
 */
const HOPELESS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

/** Why the pod is not running yet, from its container statuses and conditions. */
function notRunningBecause(pod: V1Pod): { reason: string; hopeless: boolean } {
  const waiting = (pod.status?.containerStatuses ?? []).map((c) => c.state?.waiting).find((w) => w?.reason);
  if (waiting?.reason !== undefined) {
    const message = waiting.message === undefined ? '' : `: ${waiting.message}`;
    return { reason: `${waiting.reason}${message}`, hopeless: HOPELESS.has(waiting.reason) };
  }
  const condition = (pod.status?.conditions ?? []).find((c) => c.status === 'False' && c.reason);
  const phase = pod.status?.phase ?? 'Pending';
  return {
    reason:
      condition === undefined ? phase : `${phase}, ${condition.reason}: ${condition.message ?? ''}`.trim(),
    hopeless: false,
  };
}

async function waitUntilRunning(
  kube: KubePort,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pod = await kube.readPod(namespace, name);
    const phase = pod.status?.phase;
    if (phase === 'Running') return;
    if (phase === 'Failed' || phase === 'Succeeded') {
      // The container's command could not start (StartError: the image lacks the program) or ended at once.
      const ended = (pod.status?.containerStatuses ?? []).map((c) => c.state?.terminated).find((t) => t);
      const why =
        ended === undefined
          ? ''
          : `: ${ended.reason ?? 'exited'} ${ended.exitCode}${ended.message === undefined ? '' : `, ${ended.message}`}`;
      throw new Error(
        `debug pod ${namespace}/${name} ${phase === 'Failed' ? 'failed' : 'ended'} before it ran${why}`,
      );
    }
    const why = notRunningBecause(pod);
    if (why.hopeless) {
      throw new Error(
        `debug pod ${namespace}/${name} cannot start: ${why.reason} (pre-pull the image on the nodes, or use one from a registry reached over Private Link)`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `debug pod ${namespace}/${name} not running after ${timeoutMs / 1000} s (${why.reason})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
