import { z } from 'zod';
import { TraceAggregator, type TraceSummary } from '../core/aggregate-trace';
import { classifierFor } from '../core/classify-ip';
import { traceSecondsSchema } from '../core/investigation-request';
import { DEBUG_CONTAINER, debugPodName, TRACE_END_MARKER } from '../adapters/kube/debug-pod';
import { KubeError } from '../adapters/kube/kube-error';
import type { KubePort } from '../workflow/ports';
import {
  archiveFolderSchema,
  clusterInfoSchema,
  defineActivity,
  investigationIdSchema,
  kubeFor,
  privateCidrsSchema,
} from './activity';

export interface CollectedTrace {
  readonly trace: TraceSummary;
  /** Set when the log ended without the end marker (the pod was killed or deleted). */
  readonly problem: string | null;
}

/**
 * Reads the debug pod's tcptracer output from its log, up to the end marker, into the aggregator as it
 * arrives (memory does not grow with the log's events), and archives the raw log as `trace.log`. Called
 * when the trace window is over; the log is read from its start, so a retry reads it whole again.
 */
export const collectTrace = defineActivity({
  name: 'collectTrace',
  input: z.object({
    cluster: clusterInfoSchema,
    investigationId: investigationIdSchema,
    traceSeconds: traceSecondsSchema,
    archiveFolder: archiveFolderSchema,
    privateCidrs: privateCidrsSchema,
  }),
  run: async (input, ports): Promise<CollectedTrace> => {
    const kube = await kubeFor(ports, input.cluster);
    const namespace = ports.debugNamespace;
    const name = debugPodName(input.investigationId);
    const aggregator = new TraceAggregator(classifierFor(input.privateCidrs));
    const marker = Buffer.from(`${TRACE_END_MARKER}\n`);
    const raw: Buffer[] = [];
    let tail = Buffer.alloc(0);
    let done = false;
    await kube.followLog(namespace, name, DEBUG_CONTAINER, (chunk) => {
      // The marker may straddle chunks: look for it in what is new plus the end of what came before.
      const window = Buffer.concat([tail, chunk]);
      const at = window.indexOf(marker);
      const usable = at === -1 ? chunk : window.subarray(tail.length, Math.max(tail.length, at));
      if (at === -1 || at >= tail.length) {
        aggregator.writeBytes(usable);
        raw.push(Buffer.from(usable));
      }
      tail = window.subarray(Math.max(0, window.length - marker.length));
      done = at !== -1;
      return done;
    });
    const log = Buffer.concat(raw);
    ports.progress?.(`trace read: ${log.length} bytes of tcptracer output`);
    await ports.archive(input.archiveFolder).write('trace.log', log.toString('utf8'));
    return { trace: aggregator.end(), problem: done ? null : await cutShort(kube, namespace, name) };
  },
});

/** Why the log ended early: the pod is gone (deleted, or its node removed), or it stopped. */
async function cutShort(kube: KubePort, namespace: string, name: string): Promise<string> {
  try {
    const pod = await kube.readPod(namespace, name);
    const phase = pod.status?.phase ?? 'Unknown';
    const reason = pod.status?.reason === undefined ? '' : ` (${pod.status.reason})`;
    return `the debug pod's log ended before the trace did, the pod ${phase}${reason}: the trace is cut short`;
  } catch (error) {
    if (error instanceof KubeError && error.status === 404) {
      return `the debug pod was gone before the trace ended (deleted, or its node removed from the cluster): the trace is cut short`;
    }
    return `the debug pod's log ended before the trace did: the trace is cut short`;
  }
}
