import { z } from 'zod';
import type { NodePod } from '../core/correlate';
import { oneLine } from '../core/errors';
import type { V1Pod } from '@kubernetes/client-node';
import { debugPodName, debugPodSpec, RUN_ANNOTATION } from '../adapters/kube/debug-pod';
import { KubeError } from '../adapters/kube/kube-error';
import type { KubePort } from '../workflow/ports';
import { nodeNameSchema, traceSecondsSchema } from '../core/investigation-request';
import { clusterInfoSchema, defineActivity, investigationIdSchema, kubeFor } from './activity';

const POLL_MS = 50;

export interface TraceStart {
  /** The node's pods as the API server lists them. */
  readonly pods: NodePod[];
  /** Why the debug pod is not tracing (it did not start): the investigation goes on without a trace. */
  readonly problem: string | null;
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
  }),
  run: async ({ cluster, nodeName, investigationId, traceSeconds, runId }, ports): Promise<TraceStart> => {
    const kube = await kubeFor(ports, cluster);
    const namespace = ports.debugNamespace;
    const name = debugPodName(investigationId);
    // The node's pods are listed while the debug pod starts: neither needs the other.
    const [pods, problem] = await Promise.all([
      kube.podsOnNode(nodeName),
      (async () => {
        const spec = debugPodSpec({
          investigationId,
          nodeName,
          namespace,
          image: ports.debugImage,
          traceSeconds,
          runId,
        });
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
    return { pods, problem };
  },
});

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
    if (phase === 'Running' || phase === 'Succeeded') return;
    if (phase === 'Failed') throw new Error(`debug pod ${namespace}/${name} failed to start`);
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
