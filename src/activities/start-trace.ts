import { z } from 'zod';
import type { NodePod } from '../core/correlate';
import { oneLine } from '../core/errors';
import { debugPodName, debugPodSpec } from '../adapters/kube/debug-pod';
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
  }),
  run: async ({ cluster, nodeName, investigationId, traceSeconds }, ports): Promise<TraceStart> => {
    const kube = await kubeFor(ports, cluster);
    const namespace = ports.debugNamespace;
    const name = debugPodName(investigationId);
    // The node's pods are listed while the debug pod starts: neither needs the other.
    const [pods, problem] = await Promise.all([
      kube.podsOnNode(nodeName),
      (async () => {
        try {
          await kube.createPod(
            debugPodSpec({ investigationId, nodeName, namespace, image: ports.debugImage, traceSeconds }),
          );
        } catch (error) {
          // A retried step: the pod of this investigation is already there.
          if (!(error instanceof KubeError && error.status === 409)) throw error;
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

async function waitUntilRunning(
  kube: KubePort,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const phase = (await kube.readPod(namespace, name)).status?.phase;
    if (phase === 'Running' || phase === 'Succeeded') return;
    if (phase === 'Failed') throw new Error(`debug pod ${namespace}/${name} failed to start`);
    if (Date.now() > deadline) {
      throw new Error(`debug pod ${namespace}/${name} not running after ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
