import { TCPTRACER_KERNEL_WASM } from './generated/tcptracer-kernel-wasm';

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  init(): number;
  inputBytes(): number;
  tableOffset(): number;
  usedOffset(): number;
  rejectsOffset(): number;
  commsOffset(): number;
  entryCount(): number;
  rejectCount(): number;
  commCount(): number;
  tableFull(): number;
  eventCount(type: number): number;
  firstEventTime(): number;
  lastEventTime(): number;
  clearLists(): void;
  clearTable(): void;
  scan(from: number, to: number): number;
}

/** One counted tuple: `count` events of one type from one process to one destination. */
export type TupleVisitor = (
  type: number,
  pid: number,
  saddr: number,
  daddr: number,
  dport: number,
  netns: number,
  count: number,
) => void;

let compiled: WebAssembly.Module | undefined;

/**
 * The WebAssembly hot loop of the tcptracer reader (assembly/tcptracer-kernel.ts), one instance per
 * aggregator. It counts `-t4v` IPv4 events as tuples and hands every other line back by its offsets.
 */
export class TcptracerKernel {
  private readonly exports: KernelExports;
  /** The input area, where the bytes to scan are put (directly by a file read, or copied). */
  readonly input: Buffer;
  private readonly words: Uint32Array;

  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(TCPTRACER_KERNEL_WASM, 'base64'));
    const instance = new WebAssembly.Instance(compiled, {
      env: {
        abort: () => {
          throw new Error('tcptracer kernel aborted');
        },
      },
    });
    this.exports = instance.exports as unknown as KernelExports;
    const inputOffset = this.exports.init();
    // The memory does not grow after init, so these views stay valid.
    this.input = Buffer.from(this.exports.memory.buffer, inputOffset, this.exports.inputBytes());
    this.words = new Uint32Array(this.exports.memory.buffer);
  }

  /** Scans whole lines of input[from, to); returns where it stopped (see `rejected`, `newComms`, `full`). */
  scan(from: number, to: number): number {
    return this.exports.scan(from, to);
  }

  /** Lines the kernel did not take, as [start, end) offsets into `input`, since the last `clearLists`. */
  forEachRejected(visit: (start: number, end: number) => void): void {
    const base = this.exports.rejectsOffset() >>> 2;
    for (let k = 0; k < this.exports.rejectCount(); k++) {
      visit(this.words[base + 2 * k] as number, this.words[base + 2 * k + 1] as number);
    }
  }

  /**
   * Connects that started a new tuple, in line order: the process (pid, saddr, netns) and its COMM's
   * [start, end) offsets in `input`. Valid until the next scan.
   */
  forEachNewConnect(
    visit: (pid: number, saddr: number, netns: number, start: number, end: number) => void,
  ): void {
    const base = this.exports.commsOffset() >>> 2;
    const table = this.exports.tableOffset() >>> 2;
    for (let k = 0; k < this.exports.commCount(); k++) {
      const at = base + 3 * k;
      const slot = table + (this.words[at] as number) * 8;
      visit(
        (this.words[slot] as number) >>> 2,
        this.words[slot + 1] as number,
        this.words[slot + 4] as number,
        this.words[at + 1] as number,
        this.words[at + 2] as number,
      );
    }
  }

  clearLists(): void {
    this.exports.clearLists();
  }

  get full(): boolean {
    return this.exports.tableFull() !== 0;
  }

  /** Visits every counted tuple, then empties the table. */
  drain(visit: TupleVisitor): void {
    const table = this.exports.tableOffset() >>> 2;
    const used = this.exports.usedOffset() >>> 2;
    for (let k = 0; k < this.exports.entryCount(); k++) {
      const at = table + (this.words[used + k] as number) * 8;
      const typeAndPid = this.words[at] as number;
      visit(
        typeAndPid & 3,
        typeAndPid >>> 2,
        this.words[at + 1] as number,
        this.words[at + 2] as number,
        this.words[at + 3] as number,
        this.words[at + 4] as number,
        this.words[at + 6] as number,
      );
    }
    this.exports.clearTable();
  }

  /** Events counted so far, by type index (connect, accept, close, unknown). */
  events(): [number, number, number, number] {
    const e = this.exports;
    return [e.eventCount(0), e.eventCount(1), e.eventCount(2), e.eventCount(3)];
  }

  /** First and last event time in seconds (Infinity / -Infinity before any event). */
  times(): [number, number] {
    return [this.exports.firstEventTime(), this.exports.lastEventTime()];
  }
}
