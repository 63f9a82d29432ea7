/** The second thread of readTraceFile: counts its half of the log and posts the counts back. */
import { parentPort, workerData } from 'node:worker_threads';
import { TraceAggregator } from '../core/aggregate-trace';
import { IpClassifier } from '../core/classify-ip';
import { aggregateRange, type TraceRange } from './read-trace';

const range = workerData as TraceRange;
const aggregator = new TraceAggregator(new IpClassifier(range.privateCidrs));
aggregateRange(range, aggregator);
parentPort?.postMessage(aggregator.endState());
