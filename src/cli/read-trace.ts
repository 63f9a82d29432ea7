import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TraceAggregator, type AggregatorState, type TraceSummary } from '../core/aggregate-trace';
import { IpClassifier, type Cidr } from '../core/classify-ip';
import { InputError } from '../core/errors';

/**
 * Below this a second thread costs more than it saves: it takes ~0.1 s to start, and on a two-core
 * machine both threads slow down while they share it. Measured with npm run bench.
 */
const PARALLEL_BYTES = 256 * 2 ** 20;
const WORKER = join(__dirname, 'trace-worker.js');

export interface TraceRange {
  readonly path: string;
  readonly start: number;
  readonly end: number;
  readonly privateCidrs: readonly Cidr[];
}

/** Feeds bytes [start, end) of a file to an aggregator, read straight into its input area. */
export function aggregateRange(range: TraceRange, aggregator: TraceAggregator): void {
  const fd = openSync(range.path, 'r');
  try {
    let position = range.start;
    const read = (target: Uint8Array): number => {
      const n = readSync(fd, target, 0, Math.min(target.length, range.end - position), position);
      position += n;
      return n;
    };
    while (position < range.end && aggregator.readFrom(read));
  } finally {
    closeSync(fd);
  }
}

/** The first line start at or after `offset`. */
function nextLineStart(path: string, offset: number, size: number): number {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(64 * 1024);
    for (let position = offset; position < size; position += buffer.length) {
      const read = readSync(fd, buffer, 0, buffer.length, position);
      const newline = buffer.subarray(0, read).indexOf(10);
      if (newline !== -1) return position + newline + 1;
    }
    return size;
  } finally {
    closeSync(fd);
  }
}

function aggregateInWorker(range: TraceRange): Promise<AggregatorState> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: range });
    worker.once('message', (state: AggregatorState) => resolve(state));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`trace worker exited with code ${code}`));
    });
  });
}

/**
 * Reads a tcptracer log. A large one is cut in two at a line boundary and the halves are counted on two
 * threads, then merged: the counts are sums, so the result is the same as one pass.
 */
export async function readTraceFile(
  path: string,
  privateCidrs: readonly Cidr[],
  { parallelBytes = PARALLEL_BYTES }: { readonly parallelBytes?: number } = {},
): Promise<TraceSummary> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new InputError(`--trace file is not a file: ${path}`);
    size = info.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`--trace file not found: ${path}`, { cause: error });
  }
  const aggregator = new TraceAggregator(new IpClassifier(privateCidrs));
  const parallel = size >= parallelBytes && availableParallelism() > 1 && existsSync(WORKER);
  if (!parallel) {
    aggregateRange({ path, start: 0, end: size, privateCidrs }, aggregator);
    return aggregator.end();
  }
  const split = nextLineStart(path, Math.floor(size / 2), size);
  const secondHalf = aggregateInWorker({ path, start: split, end: size, privateCidrs });
  aggregateRange({ path, start: 0, end: split, privateCidrs }, aggregator);
  aggregator.merge(await secondHalf);
  return aggregator.end();
}
