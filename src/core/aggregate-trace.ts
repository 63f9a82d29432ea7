import type { IpClassifier } from './classify-ip';
import { TcptracerKernel } from './tcptracer-kernel';
import { TRACER_BANNER } from './tracer-outcome';
import { canonicalIp, formatIpv4, parseIp, parseIpv4 } from './ip-address';
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
  /**
   * Closes of dual-stack (AF_INET6) connections to IPv4 (`[::ffff:a.b.c.d]`): tcptracer prints their
   * closes but never their connects (see build-finding), so these are the only trace of them.
   */
  readonly mappedCloses: number;
  /** Connects per second over the whole trace; null when the trace has no TIME column. */
  readonly connectsPerSecond: number | null;
  readonly topDestinations: readonly Destination[];
  readonly processes: readonly ProcessActivity[];
}

export interface TraceSummary {
  /** Whether tcptracer's banner was read: without it and without events, no trace ran at all. */
  readonly banner: boolean;
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
  mappedCloses: number;
  readonly processes: Map<number, ProcessCount>;
}

/** The aggregator's counts, as plain data that survives a structured clone (to merge across threads). */
export interface AggregatorState {
  readonly events: readonly number[];
  readonly lostSamples: number;
  readonly skippedLines: number;
  readonly banner: boolean;
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

function processKey(pid: number, saddr: number, netns: number): string {
  return `${pid} ${saddr} ${netns}`;
}

function netnsKey(netns: number): number {
  return netns < 0 ? NO_NETNS_KEY : netns - FIRST_NS_INODE;
}

const NEWLINE = 10;
const NO_ADDRESS: Address = { index: -1, text: '', public: false };
/** The input area when there is no kernel: as large as the kernel's, 4 MiB. */
const INPUT_BYTES_WITHOUT_KERNEL = 4 << 20;

export interface AggregatorOptions {
  /**
   * Whether the WebAssembly kernel reads the `-t4v` IPv4 lines (the default). Without it every line goes
   * through the general scanner: the same counts, slower; the tests compare the two.
   */
  readonly kernel?: boolean;
}

/**
 * Counts a tcptracer stream as it arrives. Memory is bounded by the distinct sources, destinations and
 * processes seen, never by the number of lines, so a 5M-event trace costs what a 5K-event one does.
 *
 * The common line, `-t4v` IPv4, is read and counted by the WebAssembly kernel; every other line (IPv6,
 * other layouts, notices, cut-off lines) by the general scanner here. Both feed the same counts.
 */
export class TraceAggregator {
  private readonly events = [0, 0, 0, 0];
  private lostSamples = 0;
  private skippedLines = 0;
  private banner = false;
  private firstTime = Infinity;
  private lastTime = -Infinity;
  /** netnsKey -> source address (IPv4 as a number, IPv6 as printed) -> counts. */
  private readonly sources = new Map<number, Map<number | string, SourceCount>>();
  /** Destination addresses seen: whether each uses SNAT, or null if the text is not an address. */
  private readonly addresses = new Map<number | string, Address | null>();
  private addressCount = 0;
  private readonly line = newScannedLine();
  private readonly kernel: TcptracerKernel | null;
  /** The kernel's input area as a Buffer (same memory), for the general scanner and COMM text. */
  private readonly input: Buffer;
  /** COMM of processes the kernel first saw connecting since the last fold: a tuple holds numbers only. */
  private readonly comms = new Map<string, string>();
  /** Bytes of an unfinished line at the start of the input area. */
  private carry = 0;
  /** Inside a line longer than the whole input area: dropped up to its newline. */
  private discarding = false;
  private finished = false;

  constructor(
    private readonly classifier: IpClassifier,
    options: AggregatorOptions = {},
  ) {
    this.kernel = options.kernel === false ? null : new TcptracerKernel();
    this.input = this.kernel === null ? Buffer.alloc(INPUT_BYTES_WITHOUT_KERNEL) : this.kernel.input;
  }

  /** Feeds a chunk of text; lines may be split across chunks. */
  write(chunk: string): void {
    this.writeBytes(Buffer.from(chunk, 'utf8'));
  }

  /** Feeds a chunk of bytes, as a pod log stream gives them (copied into the input area). */
  writeBytes(chunk: Uint8Array): void {
    for (let offset = 0; offset < chunk.length;) {
      const n = Math.min(this.input.length - this.carry, chunk.length - offset);
      this.input.set(chunk.subarray(offset, offset + n), this.carry);
      offset += n;
      this.scanInput(this.carry + n);
    }
  }

  /**
   * Lets `read` fill the input area directly — a file read lands in WebAssembly memory with no copy.
   * `read` returns how many bytes it put there; false once it returns 0.
   */
  readFrom(read: (target: Uint8Array) => number): boolean {
    const n = read(this.input.subarray(this.carry));
    if (n === 0) return false;
    this.scanInput(this.carry + n);
    return true;
  }

  /**
   * Ends the stream. An unterminated last line is kept only if it is a whole event: a trace cut off by
   * the pod's deadline ends mid-line, and such a fragment is skipped like any partial line.
   */
  end(): TraceSummary {
    this.finish();
    return this.summary();
  }

  /** Ends the stream like `end`, and gives the counts for another aggregator to merge. */
  endState(): AggregatorState {
    this.finish();
    return {
      events: this.events,
      lostSamples: this.lostSamples,
      banner: this.banner,
      skippedLines: this.skippedLines,
      firstTime: this.firstTime,
      lastTime: this.lastTime,
      sources: this.sources,
    };
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.carry > 0 && !this.discarding) this.addLine(this.input, 0, this.carry);
    this.carry = 0;
    if (this.kernel === null) return;
    this.foldTuples();
    this.kernel.events().forEach((count, type) => ((this.events[type] as number) += count));
    const [first, last] = this.kernel.times();
    this.firstTime = Math.min(this.firstTime, first);
    this.lastTime = Math.max(this.lastTime, last);
  }

  /** Reads the whole lines of input[0, length) and keeps the unfinished one at the start. */
  private scanInput(length: number): void {
    let position = 0;
    if (this.discarding) {
      const newline = this.input.indexOf(NEWLINE);
      if (newline === -1 || newline >= length) {
        this.carry = 0;
        return;
      }
      position = newline + 1;
      this.discarding = false;
    }
    if (this.kernel === null) {
      for (let newline = this.input.indexOf(NEWLINE, position); newline !== -1 && newline < length;) {
        this.addLine(this.input, position, newline);
        position = newline + 1;
        newline = this.input.indexOf(NEWLINE, position);
      }
    } else {
      for (;;) {
        const next = this.kernel.scan(position, length);
        this.takeKernelLists();
        if (this.kernel.full) this.foldTuples();
        if (next === position) break;
        position = next;
      }
    }
    if (position === 0 && length === this.input.length) {
      // One line fills the whole input area: no tool prints that; drop it and count it once.
      this.skippedLines++;
      this.discarding = true;
      this.carry = 0;
      return;
    }
    this.input.copyWithin(0, position, length);
    this.carry = length - position;
  }

  private takeKernelLists(): void {
    const kernel = this.kernel as TcptracerKernel;
    kernel.forEachRejected((start, end) => this.addLine(this.input, start, end));
    // A process's name is that of its first connect in each source, as the general scanner has it.
    kernel.forEachNewConnect((pid, saddr, netns, start, end) => {
      const key = processKey(pid, saddr, netns);
      if (!this.comms.has(key)) this.comms.set(key, this.input.toString('utf8', start, end).trim());
    });
    kernel.clearLists();
  }

  /** Folds the kernel's counted tuples into the per-source counts. */
  private foldTuples(): void {
    this.kernel?.drain((type, pid, saddr, daddr, dport, netns, count) => {
      const source = this.sourceFor(netns, saddr, formatIpv4(saddr));
      // The kernel keys accepts and closes by source alone (pid and destination 0): no address to look up.
      const destination = type === CONNECT ? (this.address(daddr) as Address) : NO_ADDRESS;
      this.record(
        source,
        type,
        pid,
        destination,
        dport,
        count,
        () => this.comms.get(processKey(pid, saddr, netns)) ?? '',
      );
    });
    this.comms.clear();
  }

  /**
   * Adds the counts of an aggregator that read the part of the trace after this one's. This one's own
   * part ends here (its last line and counted tuples are taken first), so that a process keeps the
   * name of its first connect, as one pass would have it.
   */
  merge(other: AggregatorState): void {
    this.finish();
    other.events.forEach((count, type) => ((this.events[type] as number) += count));
    this.lostSamples += other.lostSamples;
    this.banner ||= other.banner;
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
          source.mappedCloses += theirs.mappedCloses;
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
      const v4 = parseIpv4(destination.daddr);
      const address = this.address(v4 ?? `[${destination.daddr}]`) as Address;
      const key = address.index * 65536 + destination.dport;
      const counted = process.destinations.get(key);
      if (counted === undefined) process.destinations.set(key, { ...destination });
      else counted.connects += destination.connects;
    }
  }

  /** One line through the general scanner: whatever the kernel did not take, or every line without it. */
  private addLine(b: Buffer, start: number, end: number): void {
    const line = this.line;
    const kind = scanTraceLine(b, start, end, line);
    if (kind === LineKind.Skipped) {
      this.skippedLines++;
      if (!this.banner && isBanner(b, start, end)) this.banner = true;
      return;
    }
    if (kind === LineKind.Lost) {
      this.lostSamples += line.lost;
      return;
    }
    const v4 = line.saddrV4 >= 0;
    const destination = this.address(
      v4 ? line.daddrV4 : b.toString('latin1', line.daddrStart, line.daddrEnd),
    );
    const source =
      destination === null
        ? null
        : v4
          ? this.sourceFor(line.netns, line.saddrV4, formatIpv4(line.saddrV4))
          : this.v6Source(b.toString('latin1', line.saddrStart, line.saddrEnd), line.netns);
    if (destination === null || source === null) {
      this.skippedLines++;
      return;
    }
    this.countEvent(line);
    this.record(source, line.type, line.pid, destination, line.dport, 1, () => commOf(b, line));
    if (line.type === CLOSE && !v4 && isMapped(b, line.saddrStart)) source.mappedCloses++;
  }

  /** The source of an IPv6 event, or null when its address does not parse (checked when first seen). */
  private v6Source(printed: string, netns: number): SourceCount | null {
    const known = this.sources.get(netnsKey(netns))?.get(printed);
    if (known !== undefined) return known;
    const saddr = canonicalIp(printed);
    if (parseIp(saddr) === null) return null;
    // `[::ffff:a.b.c.d]`: IPv4 traffic of an AF_INET6 socket, the same source as a.b.c.d.
    const v4 = parseIpv4(saddr);
    return v4 === null ? this.sourceFor(netns, printed, saddr) : this.sourceFor(netns, v4, saddr);
  }

  private countEvent(line: ScannedLine): void {
    (this.events[line.type] as number)++;
    if (!Number.isNaN(line.timeSeconds)) {
      if (line.timeSeconds < this.firstTime) this.firstTime = line.timeSeconds;
      if (line.timeSeconds > this.lastTime) this.lastTime = line.timeSeconds;
    }
  }

  /** Adds `count` events of one kind from one process to one destination. */
  private record(
    source: SourceCount,
    type: number,
    pid: number,
    destination: Address,
    dport: number,
    count: number,
    comm: () => string,
  ): void {
    if (type === ACCEPT) source.accepts += count;
    else if (type === CLOSE) source.closes += count;
    if (type !== CONNECT) return;
    const process = this.process(source, pid, comm);
    source.connects += count;
    process.connects += count;
    if (destination.public) {
      source.publicConnects += count;
      process.publicConnects += count;
    }
    const key = destination.index * 65536 + dport;
    const counted = process.destinations.get(key);
    if (counted === undefined) {
      process.destinations.set(key, {
        daddr: destination.text,
        dport,
        public: destination.public,
        connects: count,
      });
    } else {
      counted.connects += count;
    }
  }

  /** A destination address (IPv4 as a number, IPv6 as printed), or null if the text is not an address. */
  private address(key: number | string): Address | null {
    let known = this.addresses.get(key);
    if (known === undefined) {
      const text = typeof key === 'number' ? formatIpv4(key) : canonicalIp(key);
      const v4 = typeof key === 'number' ? null : parseIpv4(text);
      known =
        v4 !== null
          ? this.address(v4) // `[::ffff:a.b.c.d]` is a.b.c.d: one destination, one key
          : parseIp(text) === null
            ? null
            : { index: this.addressCount++, text, public: this.classifier.isPublic(text) };
      this.addresses.set(key, known);
    }
    return known;
  }

  private sourceFor(netns: number, saddrKey: number | string, saddr: string): SourceCount {
    const nsKey = netnsKey(netns);
    let byAddress = this.sources.get(nsKey);
    if (byAddress === undefined) {
      byAddress = new Map();
      this.sources.set(nsKey, byAddress);
    }
    let source = byAddress.get(saddrKey);
    if (source === undefined) {
      source = {
        saddr,
        netns: netns < 0 ? null : netns,
        connects: 0,
        publicConnects: 0,
        accepts: 0,
        closes: 0,
        mappedCloses: 0,
        processes: new Map(),
      };
      byAddress.set(saddrKey, source);
    }
    return source;
  }

  private process(source: SourceCount, pid: number, comm: () => string): ProcessCount {
    let process = source.processes.get(pid);
    if (process !== undefined) return process;
    const full = source.processes.size >= MAX_PROCESSES_PER_SOURCE;
    const key = full ? OTHER_PROCESSES : pid;
    process = source.processes.get(key);
    if (process === undefined) {
      process = {
        pid: key,
        comm: full ? OTHER_COMM : comm(),
        connects: 0,
        publicConnects: 0,
        destinations: new Map(),
      };
      source.processes.set(key, process);
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
            // Unique per process already: a sort is enough.
            destinations: [...p.destinations.values()]
              .map((d) => ({ daddr: d.daddr, dport: d.dport, connects: d.connects, public: d.public }))
              .sort(compareDestinations),
          }))
          .sort((a, b) => b.connects - a.connects || a.pid - b.pid);
        return {
          saddr: source.saddr,
          netns: source.netns,
          connects: source.connects,
          publicConnects: source.publicConnects,
          accepts: source.accepts,
          closes: source.closes,
          mappedCloses: source.mappedCloses,
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
      banner: this.banner,
      events: { connect, accept, close, unknown },
      lostSamples: this.lostSamples,
      skippedLines: this.skippedLines,
      durationSeconds: durationSeconds === null ? null : round2(durationSeconds),
      sources,
    };
  }
}

const BANNER = Buffer.from(TRACER_BANNER, 'latin1');
const MAPPED = Buffer.from('[::ffff:', 'latin1');

/** Whether the printed address at `start` is v4-mapped: `[::ffff:a.b.c.d]`. */
function isMapped(b: Buffer, start: number): boolean {
  return b.compare(MAPPED, 0, MAPPED.length, start, start + MAPPED.length) === 0;
}

/** tcptracer's banner, alone on its line (padding and a CR aside). */
function isBanner(b: Buffer, start: number, end: number): boolean {
  while (end > start && (b[end - 1] === 32 || b[end - 1] === 13)) end--;
  return end - start === BANNER.length && b.compare(BANNER, 0, BANNER.length, start, end) === 0;
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
  return [...merged.values()].sort(compareDestinations);
}

/** Most connects first; ties by address, then port. */
function compareDestinations(a: Destination, b: Destination): number {
  return b.connects - a.connects || compareText(a.daddr, b.daddr) || a.dport - b.dport;
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
