import type { IpClassifier } from './classify-ip';
import { parseIp, unbracket } from './ip-address';
import { parseTraceLine, type TraceEventType } from './parse-tcptracer';

/** How many destinations each source keeps in the finding. */
export const TOP_DESTINATIONS = 5;

export interface Destination {
  readonly daddr: string;
  readonly dport: number;
  readonly connects: number;
  readonly public: boolean;
}

/** Connects of one process within a source: how hostNetwork pods, which share the host netns, are told apart. */
export interface ProcessActivity {
  readonly pid: number;
  readonly comm: string;
  readonly connects: number;
  readonly publicConnects: number;
}

export interface TraceSource {
  readonly saddr: string;
  readonly netns: number | null;
  readonly connects: number;
  readonly publicConnects: number;
  readonly accepts: number;
  readonly closes: number;
  /** Connects per second over the whole trace; null when the trace has no TIME column. */
  readonly connectsPerSecond: number | null;
  readonly topDestinations: readonly Destination[];
  readonly processes: readonly ProcessActivity[];
}

export interface TraceSummary {
  readonly events: Readonly<Record<TraceEventType, number>>;
  readonly lostSamples: number;
  readonly skippedLines: number;
  /** From the first event to the last; null without a TIME column. */
  readonly durationSeconds: number | null;
  readonly sources: readonly TraceSource[];
}

interface DestinationCount {
  readonly daddr: string;
  readonly dport: number;
  readonly public: boolean;
  connects: number;
}

interface ProcessCount {
  readonly pid: number;
  comm: string;
  connects: number;
  publicConnects: number;
}

interface SourceCount {
  readonly saddr: string;
  readonly netns: number | null;
  connects: number;
  publicConnects: number;
  accepts: number;
  closes: number;
  readonly destinations: Map<string, DestinationCount>;
  readonly processes: Map<number, ProcessCount>;
}

/**
 * Counts a tcptracer stream as it arrives. Memory is bounded by the distinct sources, destinations and
 * processes seen, never by the number of lines, so a 5M-event trace costs what a 5K-event one does.
 */
export class TraceAggregator {
  private readonly events: Record<TraceEventType, number> = { connect: 0, accept: 0, close: 0, unknown: 0 };
  private lostSamples = 0;
  private skippedLines = 0;
  private firstTime = Infinity;
  private lastTime = -Infinity;
  private readonly sources = new Map<string, SourceCount>();
  /** Per printed destination address: its unbracketed form and whether it uses SNAT, or null if invalid. */
  private readonly addresses = new Map<string, { readonly text: string; readonly public: boolean } | null>();
  private pending = '';

  constructor(private readonly classifier: IpClassifier) {}

  /** Feeds a chunk of text; lines may be split across chunks. */
  write(chunk: string): void {
    let start = 0;
    let newline = chunk.indexOf('\n');
    if (newline === -1) {
      this.pending += chunk;
      return;
    }
    if (this.pending.length > 0) {
      this.addLine(this.pending + chunk.slice(0, newline));
      this.pending = '';
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    while (newline !== -1) {
      this.addLine(chunk.slice(start, newline));
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    this.pending = chunk.slice(start);
  }

  /**
   * Ends the stream. An unterminated last line is kept only if it is a whole event: a trace cut off by
   * the pod's deadline ends mid-line, and such a fragment is skipped like any partial line.
   */
  end(): TraceSummary {
    if (this.pending.length > 0) {
      this.addLine(this.pending);
      this.pending = '';
    }
    return this.summary();
  }

  addLine(line: string): void {
    const parsed = parseTraceLine(line);
    if (parsed.kind === 'skipped') {
      this.skippedLines++;
      return;
    }
    if (parsed.kind === 'lost') {
      this.lostSamples += parsed.samples;
      return;
    }
    const event = parsed.event;
    const destination = this.address(event.daddr);
    const key = `${event.saddr} ${event.netns ?? ''}`;
    let source = this.sources.get(key);
    if (source === undefined) {
      if (destination === null || parseIp(event.saddr) === null) {
        this.skippedLines++;
        return;
      }
      source = {
        saddr: unbracket(event.saddr),
        netns: event.netns,
        connects: 0,
        publicConnects: 0,
        accepts: 0,
        closes: 0,
        destinations: new Map(),
        processes: new Map(),
      };
      this.sources.set(key, source);
    } else if (destination === null) {
      this.skippedLines++;
      return;
    }

    this.events[event.type]++;
    if (event.timeSeconds !== null) {
      if (event.timeSeconds < this.firstTime) this.firstTime = event.timeSeconds;
      if (event.timeSeconds > this.lastTime) this.lastTime = event.timeSeconds;
    }
    if (event.type === 'accept') source.accepts++;
    else if (event.type === 'close') source.closes++;
    if (event.type !== 'connect') return;

    source.connects++;
    if (destination.public) source.publicConnects++;
    const destinationKey = `${destination.text} ${event.dport}`;
    const counted = source.destinations.get(destinationKey);
    if (counted === undefined) {
      source.destinations.set(destinationKey, {
        daddr: destination.text,
        dport: event.dport,
        public: destination.public,
        connects: 1,
      });
    } else {
      counted.connects++;
    }
    let process = source.processes.get(event.pid);
    if (process === undefined) {
      process = { pid: event.pid, comm: event.comm, connects: 0, publicConnects: 0 };
      source.processes.set(event.pid, process);
    }
    process.connects++;
    if (destination.public) process.publicConnects++;
  }

  private address(printed: string): { readonly text: string; readonly public: boolean } | null {
    let known = this.addresses.get(printed);
    if (known === undefined) {
      const text = unbracket(printed);
      known = parseIp(text) === null ? null : { text, public: this.classifier.isPublic(text) };
      this.addresses.set(printed, known);
    }
    return known;
  }

  private summary(): TraceSummary {
    const durationSeconds = this.lastTime > this.firstTime ? this.lastTime - this.firstTime : null;
    const sources: TraceSource[] = [...this.sources.values()].map((source) => ({
      saddr: source.saddr,
      netns: source.netns,
      connects: source.connects,
      publicConnects: source.publicConnects,
      accepts: source.accepts,
      closes: source.closes,
      connectsPerSecond: durationSeconds === null ? null : round2(source.connects / durationSeconds),
      topDestinations: topDestinations([...source.destinations.values()], TOP_DESTINATIONS),
      processes: [...source.processes.values()]
        .map((p) => ({ ...p }))
        .sort((a, b) => b.connects - a.connects || a.pid - b.pid),
    }));
    sources.sort(compareSources);
    return {
      events: { ...this.events },
      lostSamples: this.lostSamples,
      skippedLines: this.skippedLines,
      durationSeconds: durationSeconds === null ? null : round2(durationSeconds),
      sources,
    };
  }
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Most connects first; ties by address then port so the same trace always gives the same list. */
export function topDestinations(destinations: readonly Destination[], limit: number): Destination[] {
  return destinations
    .map((d) => ({ daddr: d.daddr, dport: d.dport, connects: d.connects, public: d.public }))
    .sort((a, b) => b.connects - a.connects || compareText(a.daddr, b.daddr) || a.dport - b.dport)
    .slice(0, limit);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** DESIGN.md section 4: connects descending, then saddr, then netns (a trace without -v has null last). */
function compareSources(a: TraceSource, b: TraceSource): number {
  return b.connects - a.connects || compareText(a.saddr, b.saddr) || compareNetns(a.netns, b.netns);
}

function compareNetns(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

/** Aggregates a whole trace held in memory (tests, small files); streams go through `write`/`end`. */
export function aggregateTrace(text: string, classifier: IpClassifier): TraceSummary {
  const aggregator = new TraceAggregator(classifier);
  aggregator.write(text);
  return aggregator.end();
}
