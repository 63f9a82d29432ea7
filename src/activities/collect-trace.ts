import { z } from 'zod';
import { TraceAggregator, type TraceSummary } from '../core/aggregate-trace';
import { classifierFor } from '../core/classify-ip';
import { traceSecondsSchema } from '../core/investigation-request';
import type { CommandRecord } from '../core/node-command-record';
import { lostSamplesIn } from '../core/parse-tcptracer';
import {
  parseTraceTimes,
  round2,
  tracedSeconds,
  tracerEnding,
  type TraceTimes,
} from '../core/tracer-outcome';
import { DEBUG_CONTAINER, debugPodName } from '../adapters/kube/debug-pod';
import { KubeError } from '../adapters/kube/kube-error';
import {
  debugPodScript,
  nodeCommands,
  TRACE_LIMIT_BYTES,
  TRACER_KILL_AFTER_SECONDS,
} from '../workflow/node-commands';
import type { KubePort } from '../workflow/ports';
import {
  archiveFolderSchema,
  clusterInfoSchema,
  defineActivity,
  investigationIdSchema,
  kubeFor,
  privateCidrsSchema,
} from './activity';
import { ChunkQueue } from './chunk-queue';
import { NodeShell } from './node-shell';

const POLL_MS = 1000;

export interface CollectedTrace {
  readonly trace: TraceSummary;
  /** Seconds actually traced, from the banner to the stop (null when the pod's clock was not read). */
  readonly windowSeconds: number | null;
  /** Set when the trace is cut short or incomplete (the tracer failed, hit its bound, the pod went away). */
  readonly problem: string | null;
  readonly commands: readonly CommandRecord[];
}

/**
 * Called when the trace window is over: waits for tcptracer to have ended (the pod stops it itself,
 * traceSeconds after the banner), then streams its output file out of the pod by exec into the aggregator
 * (memory does not grow with the events) and the archive (`trace.log`), with its stderr from the pod's
 * log (`trace.stderr.txt`: libbcc's lost samples, Python's errors). The file is read from its start, so a retry reads it whole again.
 */
export const collectTrace = defineActivity({
  name: 'collectTrace',
  input: z.object({
    cluster: clusterInfoSchema,
    investigationId: investigationIdSchema,
    traceSeconds: traceSecondsSchema,
    archiveFolder: archiveFolderSchema,
    privateCidrs: privateCidrsSchema,
    /** The node's uptime when the banner was seen (startTrace). */
    bannerAt: z.number().nonnegative(),
  }),
  run: async (input, ports): Promise<CollectedTrace> => {
    const kube = await kubeFor(ports, input.cluster);
    const namespace = ports.debugNamespace;
    const name = debugPodName(input.investigationId);
    const shell = new NodeShell(kube, namespace, name, DEBUG_CONTAINER, 'collectTrace');
    const archive = ports.archive(input.archiveFolder);
    let times: TraceTimes;
    try {
      times = await waitForEnd(shell, input.bannerAt, input.traceSeconds);
    } catch (error) {
      return {
        trace: new TraceAggregator(classifierFor(input.privateCidrs)).end(),
        windowSeconds: null,
        problem: await cutShort(kube, namespace, name, error),
        commands: shell.records,
      };
    }
    const aggregator = new TraceAggregator(classifierFor(input.privateCidrs));
    // The raw trace goes to the archive as it is read: it is never whole in memory (up to 2 GiB).
    const raw = new ChunkQueue();
    const archived = archive.writeChunks('trace.log', raw);
    let bytes = 0;
    let log: Awaited<ReturnType<NodeShell['stream']>>;
    let stderr: string;
    try {
      [log, stderr] = await Promise.all([
        shell.stream(nodeCommands.traceLog(), (chunk) => {
          aggregator.writeBytes(chunk);
          bytes += chunk.length;
          // The archive sets the pace: past 16 MiB waiting for it, reading stops until it catches up.
          return raw.push(chunk);
        }),
        shell.log(),
      ]);
    } catch (error) {
      raw.fail(error instanceof Error ? error : new Error(String(error)));
      await archived.catch(() => undefined);
      throw error;
    }
    raw.end();
    ports.progress?.(`trace read: ${bytes} bytes of tcptracer output`);
    await Promise.all([archived, archive.write('trace.stderr.txt', stderr)]);
    const summary = aggregator.end();
    const trace: TraceSummary = { ...summary, lostSamples: summary.lostSamples + lostSamplesIn(stderr) };
    const windowSeconds = tracedSeconds(input.bannerAt, times);
    // The tracer itself, for the record: the pod's own command, with the status it wrote.
    shell.records.unshift({
      step: 'debug pod',
      where: 'debug pod (its own command)',
      argv: ['sh', '-c', debugPodScript(input.traceSeconds)],
      exitCode: times.status,
    });
    const problems = [
      log.exitCode === 0
        ? null
        : `the trace file was not read whole (cat exited ${log.exitCode}: ${log.stderr.trim()})`,
      tracerEnding({
        status: times.status,
        stderr,
        limitBytes: TRACE_LIMIT_BYTES,
        bytes,
        windowSeconds,
        traceSeconds: input.traceSeconds,
      }),
    ].filter((p): p is string => p !== null);
    return {
      trace,
      windowSeconds: windowSeconds === null ? null : round2(windowSeconds),
      problem: problems.length === 0 ? null : problems.join('; '),
      commands: shell.records,
    };
  },
});

/**
 * Polls the pod's bookkeeping until the tracer's exit status is there. The stop was armed at the banner,
 * so it is due traceSeconds after it, plus the 10 s the tracer has to end before it is killed.
 */
async function waitForEnd(shell: NodeShell, bannerAt: number, traceSeconds: number): Promise<TraceTimes> {
  const due = bannerAt + traceSeconds + TRACER_KILL_AFTER_SECONDS + 30;
  for (;;) {
    const times = parseTraceTimes((await shell.run(nodeCommands.traceTimes())).stdout);
    if (times.status !== null) return times;
    if (times.now === null || times.now > due) {
      const after = times.now === null ? '' : ` ${round2(times.now - bannerAt)} s after its banner`;
      throw new Error(`tcptracer had not ended${after}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Why the trace could not be read: the pod is gone (deleted, or its node removed), or it stopped. */
async function cutShort(kube: KubePort, namespace: string, name: string, error: unknown): Promise<string> {
  try {
    const pod = await kube.readPod(namespace, name);
    const phase = pod.status?.phase ?? 'Unknown';
    const reason = pod.status?.reason === undefined ? '' : ` (${pod.status.reason})`;
    return `the trace could not be read from the debug pod (${phase}${reason}): ${error instanceof Error ? error.message : String(error)}`;
  } catch (readError) {
    if (readError instanceof KubeError && readError.status === 404) {
      return `the debug pod was gone before the trace ended (deleted, or its node removed from the cluster): the trace is lost`;
    }
    return `the trace could not be read from the debug pod: ${error instanceof Error ? error.message : String(error)}`;
  }
}
