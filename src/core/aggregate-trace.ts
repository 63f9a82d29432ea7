import type { IpClassifier } from './classify-ip';
import { formatIpv4, parseIp, parseIpv4, unbracket } from './ip-address';
import {
  commOf,
  LineKind,
  newScannedLine,
  scanTraceLine,
  type ScannedLine,
  type TraceEventType,
} from './parse-tcptracer';

// Indexes into EVENT_TYPES.
const CONNECT = 0;
const ACCEPT = 1;
const CLOSE = 2;

/** How many destinations each source keeps in the finding. */
export const TOP_DESTINATIONS = 5;
/**
 * Processes tracked per source. A server that forks per connection would otherwise grow memory with
 * the log; past this, new PIDs are counted under one `(other processes)` entry with PID 0.
 */
export const MAX_PROCESSES_PER_SOURCE = 2048;
const OTHER_PROCESSES = 0;
const OTHER_COMM = '(other processes)';

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
  /** Every destination of this process, most connects first (the source keeps only its top ones). */
  readonly destinations: readonly Destination[];
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
  readonly comm: string;
  connects: number;
  publicConnects: number;
  /** Keyed by address index * 65536 + port: a small integer, which V8 hashes without boxing. */
  readonly destinations: Map<number, DestinationCount>;
}

interface SourceCount {
  readonly saddr: string;
  readonly netns: number | null;
  connects: number;
  publicConnects: number;
  accepts: number;
  closes: number;
  readonly processes: Map<number, ProcessCount>;
}

/** The aggregator's counts, as plain data that survives a structured clone (to merge across threads). */
export interface AggregatorState {
  readonly events: readonly number[];
  readonly lostSamples: number;
  readonly skippedLines: number;
  readonly firstTime: number;
  readonly lastTime: number;
  readonly sources: ReadonlyMap<number, ReadonlyMap<number | string, SourceCount>>;
}

interface Address {
  /** Position in the aggregator's address list: keeps destination keys small. */
  readonly index: number;
  readonly text: string;
  readonly public: boolean;
}

/**
 * Network namespace inodes are handed out from 0xF0000000 up (the kernel's PROC_DYNAMIC_FIRST), so the
 * offset from it is a small integer; a trace without NETNS gets a key below every real one.
 */
const FIRST_NS_INODE = 0xf0000000;
const NO_NETNS_KEY = -FIRST_NS_INODE - 1;

function netnsKey(netns: number): number {
  return netns < 0 ? NO_NETNS_KEY : netns - FIRST_NS_INODE;
}

const NEWLINE = 10;

/**
 * Counts a tcptracer stream as it arrives. Memory is bounded by the distinct sources, destinations and
 * processes seen, never by the number of lines, so a 5M-event trace costs what a 5K-event one does.
 */
export class TraceAggregator {
  private readonly events = [0, 0, 0, 0];
  private lostSamples = 0;
  private skippedLines = 0;
  private firstTime = Infinity;
  private lastTime = -Infinity;
  /** netnsKey -> source address (IPv4 as a number, IPv6 as text) -> counts. */
  private readonly sources = new Map<number, Map<number | string, SourceCount>>();
  /** Destination addresses seen: whether each uses SNAT, or null if the text is not an address. */
  private readonly addresses = new Map<number | string, Address | null>();
  private addressCount = 0;
  private readonly line = newScannedLine();
  private pending: Buffer | null = null;

  constructor(private readonly classifier: IpClassifier) {}

  /** Feeds a chunk of text; lines may be split across chunks. */
  write(chunk: string): void {
    this.writeBytes(Buffer.from(chunk, 'utf8'));
  }

  /** Feeds a chunk of bytes, as a file or a pod log stream gives them. */
  writeBytes(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE);
    if (newline === -1) {
      this.pending = this.pending === null ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
      return;
    }
    if (this.pending !== null) {
      const joined = Buffer.concat([this.pending, chunk.subarray(0, newline)]);
      this.pending = null;
      this.addLine(joined, 0, joined.length);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    while (newline !== -1) {
      this.addLine(chunk, start, newline);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    // Copied, not a view: the caller may reuse its buffer.
    if (start < chunk.length) this.pending = Buffer.from(chunk.subarray(start));
  }

  /**
   * Ends the stream. An unterminated last line is kept only if it is a whole event: a trace cut off by
   * the pod's deadline ends mid-line, and such a fragment is skipped like any partial line.
   */
  end(): TraceSummary {
    this.flush();
    return this.summary();
  }

  /** Ends the stream like `end`, and gives the counts for another aggregator to merge. */
  endState(): AggregatorState {
    this.flush();
    return {
      events: this.events,
      lostSamples: this.lostSamples,
      skippedLines: this.skippedLines,
      firstTime: this.firstTime,
      lastTime: this.lastTime,
      sources: this.sources,
    };
  }

  private flush(): void {
    if (this.pending !== null) {
      const last = this.pending;
      this.pending = null;
      this.addLine(last, 0, last.length);
    }
  }

  /** Adds the counts of an aggregator that read another part of the same trace. */
  merge(other: AggregatorState): void {
    other.events.forEach((count, type) => ((this.events[type] as number) += count));
    this.lostSamples += other.lostSamples;
    this.skippedLines += other.skippedLines;
    this.firstTime = Math.min(this.firstTime, other.firstTime);
    this.lastTime = Math.max(this.lastTime, other.lastTime);
    for (const [netns, byAddress] of other.sources) {
      let mine = this.sources.get(netns);
      if (mine === undefined) {
        mine = new Map();
        this.sources.set(netns, mine);
      }
      for (const [key, theirs] of byAddress) {
        const source = mine.get(key);
        if (source === undefined) {
          mine.set(key, { ...theirs, processes: new Map() });
        } else {
          source.connects += theirs.connects;
          source.publicConnects += theirs.publicConnects;
          source.accepts += theirs.accepts;
          source.closes += theirs.closes;
        }
        const into = mine.get(key) as SourceCount;
        for (const process of theirs.processes.values()) this.mergeProcess(into, process);
      }
    }
  }

  private mergeProcess(source: SourceCount, theirs: ProcessCount): void {
    let process = source.processes.get(theirs.pid);
    if (process === undefined) {
      const full = source.processes.size >= MAX_PROCESSES_PER_SOURCE;
      const pid = full ? OTHER_PROCESSES : theirs.pid;
      process = source.processes.get(pid);
      if (process === undefined) {
        process = {
          pid,
          comm: full ? OTHER_COMM : theirs.comm,
          connects: 0,
          publicConnects: 0,
          destinations: new Map(),
        };
        source.processes.set(pid, process);
      }
    }
    process.connects += theirs.connects;
    process.publicConnects += theirs.publicConnects;
    // Address indexes are the other aggregator's own: re-key each destination with this one's.
    for (const destination of theirs.destinations.values()) {
      const key = this.addressIndex(destination) * 65536 + destination.dport;
      const counted = process.destinations.get(key);
      if (counted === undefined) process.destinations.set(key, { ...destination });
      else counted.connects += destination.connects;
    }
  }

  private addLine(b: Buffer, start: number, end: number): void {
    const line = this.line;
    const kind = scanTraceLine(b, start, end, line);
    if (kind === LineKind.Skipped) {
      this.skippedLines++;
      return;
    }
    if (kind === LineKind.Lost) {
      this.lostSamples += line.lost;
      return;
    }
    const destination = this.address(b, line);
    const source = destination === null ? null : this.source(b, line);
    if (destination === null || source === null) {
      this.skippedLines++;
      return;
    }

    (this.events[line.type] as number)++;
    if (line.timeSeconds >= 0) {
      if (line.timeSeconds < this.firstTime) this.firstTime = line.timeSeconds;
      if (line.timeSeconds > this.lastTime) this.lastTime = line.timeSeconds;
    }
    if (line.type === ACCEPT) source.accepts++;
    else if (line.type === CLOSE) source.closes++;
    if (line.type !== CONNECT) return;

    source.connects++;
    const process = this.process(b, line, source);
    process.connects++;
    if (destination.public) {
      source.publicConnects++;
      process.publicConnects++;
    }
    const key = destination.index * 65536 + line.dport;
    const counted = process.destinations.get(key);
    if (counted === undefined) {
      process.destinations.set(key, {
        daddr: destination.text,
        dport: line.dport,
        public: destination.public,
        connects: 1,
      });
    } else {
      counted.connects++;
    }
  }

  private address(b: Buffer, line: ScannedLine): Address | null {
    const key = line.daddrV4 >= 0 ? line.daddrV4 : b.toString('latin1', line.daddrStart, line.daddrEnd);
    let known = this.addresses.get(key);
    if (known === undefined) {
      const text = typeof key === 'number' ? formatIpv4(key) : unbracket(key);
      known =
        parseIp(text) === null
          ? null
          : { index: this.addressCount++, text, public: this.classifier.isPublic(text) };
      this.addresses.set(key, known);
    }
    return known;
  }

  private addressIndex(destination: DestinationCount): number {
    const v4 = parseIpv4(destination.daddr);
    const key = v4 ?? `[${destination.daddr}]`;
    let known = this.addresses.get(key);
    if (known === undefined || known === null) {
      known = { index: this.addressCount++, text: destination.daddr, public: destination.public };
      this.addresses.set(key, known);
    }
    return known.index;
  }

  private source(b: Buffer, line: ScannedLine): SourceCount | null {
    const nsKey = netnsKey(line.netns);
    let byAddress = this.sources.get(nsKey);
    if (byAddress === undefined) {
      byAddress = new Map();
      this.sources.set(nsKey, byAddress);
    }
    const key = line.saddrV4 >= 0 ? line.saddrV4 : b.toString('latin1', line.saddrStart, line.saddrEnd);
    let source = byAddress.get(key);
    if (source === undefined) {
      const saddr = typeof key === 'number' ? formatIpv4(key) : unbracket(key);
      if (parseIp(saddr) === null) return null;
      source = {
        saddr,
        netns: line.netns < 0 ? null : line.netns,
        connects: 0,
        publicConnects: 0,
        accepts: 0,
        closes: 0,
        processes: new Map(),
      };
      byAddress.set(key, source);
    }
    return source;
  }

  private process(b: Buffer, line: ScannedLine, source: SourceCount): ProcessCount {
    let process = source.processes.get(line.pid);
    if (process !== undefined) return process;
    const full = source.processes.size >= MAX_PROCESSES_PER_SOURCE;
    const pid = full ? OTHER_PROCESSES : line.pid;
    process = source.processes.get(pid);
    if (process === undefined) {
      process = {
        pid,
        comm: full ? OTHER_COMM : commOf(b, line),
        connects: 0,
        publicConnects: 0,
        destinations: new Map(),
      };
      source.processes.set(pid, process);
    }
    return process;
  }

  private summary(): TraceSummary {
    const durationSeconds = this.lastTime > this.firstTime ? this.lastTime - this.firstTime : null;
    const sources: TraceSource[] = [...this.sources.values()]
      .flatMap((byAddress) => [...byAddress.values()])
      .map((source) => {
        const processes = [...source.processes.values()]
          .map((p) => ({
            pid: p.pid,
            comm: p.comm,
            connects: p.connects,
            publicConnects: p.publicConnects,
            destinations: rankDestinations(p.destinations.values()),
          }))
          .sort((a, b) => b.connects - a.connects || a.pid - b.pid);
        return {
          saddr: source.saddr,
          netns: source.netns,
          connects: source.connects,
          publicConnects: source.publicConnects,
          accepts: source.accepts,
          closes: source.closes,
          connectsPerSecond: durationSeconds === null ? null : round2(source.connects / durationSeconds),
          topDestinations: rankDestinations(processes.flatMap((p) => p.destinations)).slice(
            0,
            TOP_DESTINATIONS,
          ),
          processes,
        };
      });
    sources.sort(compareSources);
    const [connect, accept, close, unknown] = this.events as [number, number, number, number];
    return {
      events: { connect, accept, close, unknown },
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

/**
 * Adds up destinations that may repeat (the same one from several processes) and orders them most
 * connects first, ties by address then port, so the same trace always gives the same list.
 */
export function rankDestinations(destinations: Iterable<Destination>): Destination[] {
  const merged = new Map<string, { daddr: string; dport: number; connects: number; public: boolean }>();
  for (const d of destinations) {
    const key = `${d.daddr} ${d.dport}`;
    const known = merged.get(key);
    if (known === undefined)
      merged.set(key, { daddr: d.daddr, dport: d.dport, connects: d.connects, public: d.public });
    else known.connects += d.connects;
  }
  return [...merged.values()].sort(
    (a, b) => b.connects - a.connects || compareText(a.daddr, b.daddr) || a.dport - b.dport,
  );
}

export function compareText(a: string, b: string): number {
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
