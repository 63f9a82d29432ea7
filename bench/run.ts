/**
 * `npm run bench`: `aks-snat analyze --json` against the runbook's pipeline
 * `awk '{print $6,$10}' log | sort | uniq -c | sort -nrk 1` on the same tcptracer -t4v logs, 1M and 5M
 * events. Runs alternate so that both see the same machine; wall time is the median, peak memory the
 * largest maximum RSS that GNU time reports over the runs (for the pipeline, the sum of its stages').
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { benchAlerts } from './alert-load';
import { generateTrace } from './generate-trace';
import { benchTraceWindow } from './trace-window';

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'bench', 'out');
const TIME = '/usr/bin/time';

interface Run {
  readonly seconds: number;
  readonly peakKiB: number;
}

function measure(command: string, args: readonly string[]): Run {
  const started = process.hrtime.bigint();
  const result = spawnSync(TIME, ['-f', '%M', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0)
    throw new Error(`${command} failed (${result.status}): ${result.stderr.slice(-500)}`);
  const peak = Number(result.stderr.trim().split('\n').pop());
  return { seconds, peakKiB: peak };
}

/**
 * The runbook's pipeline, each stage under GNU time: its stages run at once, so its peak memory is the
 * sum of theirs (sort fed from a pipe keeps a small buffer and spills to temporary files).
 */
function measurePipeline(log: string): Run {
  const peaks = join(OUT, 'pipeline-peaks.txt');
  const t = `${TIME} -a -o '${peaks}' -f %M`;
  const script = `: > '${peaks}'; ${t} awk '{print $6,$10}' '${log}' | ${t} sort | ${t} uniq -c | ${t} sort -nrk 1 > /dev/null`;
  const started = process.hrtime.bigint();
  const result = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0)
    throw new Error(`pipeline failed (${result.status}): ${result.stderr.slice(-500)}`);
  const stagePeaks = readFileSync(peaks, 'utf8').trim().split('\n').map(Number);
  return { seconds, peakKiB: stagePeaks.reduce((sum, kib) => sum + kib, 0) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function mib(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

function benchOne(events: number, runs: number): { analyze: Run[]; pipeline: Run[] } {
  const log = join(OUT, `tcptracer-t4v-${events}.log`);
  if (!existsSync(log)) {
    process.stderr.write(`generating ${log} ...\n`);
    generateTrace(log, events);
  }
  process.stderr.write(
    `${events} events, ${(statSync(log).size / 2 ** 20).toFixed(0)} MiB; ${runs} alternating runs each\n`,
  );
  const analyze: Run[] = [];
  const pipeline: Run[] = [];
  for (let i = 0; i < runs; i++) {
    analyze.push(
      measure(process.execPath, [join(ROOT, 'bin', 'aks-snat.js'), 'analyze', '--trace', log, '--json']),
    );
    pipeline.push(measurePipeline(log));
  }
  return { analyze, pipeline };
}

/**
 * `aks-snat demo` on the 1,000-node scenario (250 pods on the alerting node): its wall time beyond the
 * trace window is what the responder itself costs (simulated servers included).
 */
function benchScale(runs: number): string {
  const scenario = join(ROOT, 'test', 'fixtures', 'scenarios', 'scale-1000-nodes.json');
  const traceSeconds = 2;
  const overheads: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = join(OUT, `scale-demo-${i}`);
    rmSync(out, { recursive: true, force: true });
    const run = measure(process.execPath, [
      join(ROOT, 'bin', 'aks-snat.js'),
      'demo',
      '--scenario',
      scenario,
      '--trace-seconds',
      String(traceSeconds),
      '--out',
      out,
      '--json',
    ]);
    overheads.push(run.seconds - traceSeconds);
  }
  return `1000 nodes, 250 pods on the node: demo overhead beyond the ${traceSeconds} s trace ${median(overheads).toFixed(2)} s (median of ${runs})`;
}

/** `npm run bench` runs them all; `npm run bench -- analyze`, `-- scale`, `-- alerts` or `-- trace` only one. */
async function main(): Promise<void> {
  const only = process.argv[2];
  if (only !== undefined && !['analyze', 'scale', 'alerts', 'trace'].includes(only)) {
    throw new Error(`unknown bench '${only}': analyze, scale, alerts or trace`);
  }
  if (only === 'trace') {
    mkdirSync(OUT, { recursive: true });
    const rows = await benchTraceWindow(OUT);
    process.stdout.write(`\nnode ${process.version}\n${rows.join('\n')}\n`);
    return;
  }
  if (only === 'alerts') {
    const rows = await benchAlerts(3);
    process.stdout.write(`\nnode ${process.version}; alert webhook handler latency\n${rows.join('\n')}\n`);
    return;
  }
  if (!existsSync(TIME)) throw new Error(`${TIME} is needed for peak memory: apt-get install -y time`);
  mkdirSync(OUT, { recursive: true });
  const rows: string[] = [];
  const sizes =
    only === 'scale'
      ? []
      : ([
          [1_000_000, 9],
          [5_000_000, 3],
        ] as const);
  for (const [events, runs] of sizes) {
    const { analyze, pipeline } = benchOne(events, runs);
    const a = median(analyze.map((r) => r.seconds));
    const p = median(pipeline.map((r) => r.seconds));
    const aPeak = Math.max(...analyze.map((r) => r.peakKiB));
    const pPeak = Math.max(...pipeline.map((r) => r.peakKiB));
    rows.push(
      `${String(events).padStart(9)} events  analyze ${a.toFixed(2)} s, peak ${mib(aPeak)}  |  ` +
        `pipeline ${p.toFixed(2)} s, peak ${mib(pPeak)}  |  analyze is ${(p / a).toFixed(1)}x faster`,
    );
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
  if (only !== 'analyze') {
    rows.push(benchScale(3));
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  }
  if (only === undefined) {
    for (const row of await benchAlerts(3)) {
      rows.push(row);
      process.stderr.write(`${row}\n`);
    }
    for (const row of await benchTraceWindow(OUT)) {
      rows.push(row);
      process.stderr.write(`${row}\n`);
    }
  }
  process.stdout.write(`\nnode ${process.version}; median wall time, largest peak RSS\n${rows.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
