/**
 * bcc's `tcptracer` output, read line by line from both ends, on bytes.
 *
 * Layouts (bcc tools/tcptracer.py): `[TIME] TYPE PID COMM IP SADDR DADDR SPORT DPORT [NETNS]`, where TIME is
 * integer nanoseconds with `-v` and `%.3f` seconds without, TYPE is `connect|accept|close|unknown` with
 * `-v` and `C|A|X|U` without, and NETNS is printed with `-v` only. COMM is the thread name: up to 15
 * characters that may contain spaces, so it is whatever lies between PID and IP. A PID wider than its
 * `%-6d` column pushes the rest of the line right, which a column-offset parser would get wrong.
 *
 * This is the general scanner, for any line. The common `-t4v` IPv4 line is read by the WebAssembly
 * kernel (assembly/tcptracer-kernel.ts) instead, which hands every line it does not take back to this.
 * Both work on the raw bytes and yield numbers and offsets; text is cut out only for what is kept.
 */

export type TraceEventType = 'connect' | 'accept' | 'close' | 'unknown';

export const EVENT_TYPES: readonly TraceEventType[] = ['connect', 'accept', 'close', 'unknown'];

/** One scanned line: reused from line to line, so reading a trace allocates nothing per line. */
export interface ScannedLine {
  /** Index into EVENT_TYPES. */
  type: number;
  /**
   * Seconds since the first event printed, NaN when the trace was taken without `-t`. It can be negative:
   * events come from one perf buffer per CPU, read one CPU after another (bcc perf_reader_poll), so an event
   * another CPU's buffer delivers late was stamped before the first one printed.
   */
  timeSeconds: number;
  pid: number;
  ipVersion: 4 | 6;
  commStart: number;
  commEnd: number;
  saddrStart: number;
  saddrEnd: number;
  /** The IPv4 address as a 32-bit number, or -1 for IPv6 (validated later, once per distinct text). */
  saddrV4: number;
  daddrStart: number;
  daddrEnd: number;
  daddrV4: number;
  sport: number;
  dport: number;
  /** -1 without `-v`. */
  netns: number;
  /** Samples reported lost, on a `Possibly lost N samples` line. */
  lost: number;
}

export function newScannedLine(): ScannedLine {
  return {
    type: 0,
    timeSeconds: NaN,
    pid: 0,
    ipVersion: 4,
    commStart: 0,
    commEnd: 0,
    saddrStart: 0,
    saddrEnd: 0,
    saddrV4: -1,
    daddrStart: 0,
    daddrEnd: 0,
    daddrV4: -1,
    sport: 0,
    dport: 0,
    netns: -1,
    lost: 0,
  };
}

export const enum LineKind {
  Skipped = 0,
  Event = 1,
  Lost = 2,
}

const SPACE = 32;
const TAB = 9;
const CR = 13;
const DOT = 46;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

// Token boundaries of the line being read, reused across lines.
const rightStart = new Int32Array(6);
const rightEnd = new Int32Array(6);
const leftStart = new Int32Array(3);
const leftEnd = new Int32Array(3);

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}

/** The digits in [start, end) as a number, or -1 if there is anything else (or nothing). */
function digits(b: Uint8Array, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c < ZERO || c > NINE) return -1;
    value = value * 10 + (c - ZERO);
  }
  return value;
}

/** A dotted quad as a 32-bit number, or -1: no leading zeros, every octet at most 255. */
function ipv4(b: Uint8Array, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let width = 0;
  let parts = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? DOT : (b[i] as number);
    if (c === DOT) {
      if (width === 0 || octet > 255) return -1;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      width = 0;
    } else if (c >= ZERO && c <= NINE) {
      if (width > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - ZERO);
      width++;
      if (width > 3) return -1;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value : -1;
}

/** `connect|accept|close|unknown` or `C|A|X|U` as an index into EVENT_TYPES, else -1. */
function eventType(b: Uint8Array, start: number, end: number): number {
  const length = end - start;
  const first = b[start];
  if (length === 1) {
    return first === 67 ? 0 : first === 65 ? 1 : first === 88 ? 2 : first === 85 ? 3 : -1; // C A X U
  }
  const word =
    length === 7 && first === 99
      ? 'connect'
      : length === 6
        ? 'accept'
        : length === 5
          ? 'close'
          : length === 7
            ? 'unknown'
            : '';
  if (word === '') return -1;
  for (let i = 0; i < length; i++) if (b[start + i] !== word.charCodeAt(i)) return -1;
  return EVENT_TYPES.indexOf(word);
}

/**
 * `%-14d` nanoseconds with -v, `%-9.3f` seconds without, either one negative (see ScannedLine.timeSeconds);
 * NaN if it is neither.
 */
function timeSeconds(b: Uint8Array, start: number, end: number, nanoseconds: boolean): number {
  if (b[start] === MINUS) return -timeSeconds(b, start + 1, end, nanoseconds);
  if (nanoseconds) {
    const ns = digits(b, start, end);
    return ns < 0 ? NaN : ns / 1e9;
  }
  let dot = -1;
  for (let i = start; i < end; i++) {
    if (b[i] === DOT) {
      dot = i;
      break;
    }
  }
  if (dot === -1) return NaN;
  const whole = digits(b, start, dot);
  const fraction = digits(b, dot + 1, end);
  return whole < 0 || fraction < 0 ? NaN : whole + fraction / 10 ** (end - dot - 1);
}

const LOST_PREFIX = Buffer.from('Possibly lost ');
const LOST_SUFFIX = Buffer.from(' samples');

function scanLost(b: Uint8Array, start: number, end: number, out: ScannedLine): LineKind {
  while (end > start && isBlank(b[end - 1] as number)) end--;
  const numberStart = start + LOST_PREFIX.length;
  const numberEnd = end - LOST_SUFFIX.length;
  if (numberEnd <= numberStart) return LineKind.Skipped;
  for (let i = 0; i < LOST_PREFIX.length; i++) if (b[start + i] !== LOST_PREFIX[i]) return LineKind.Skipped;
  for (let i = 0; i < LOST_SUFFIX.length; i++)
    if (b[numberEnd + i] !== LOST_SUFFIX[i]) return LineKind.Skipped;
  const lost = digits(b, numberStart, numberEnd);
  if (lost < 0) return LineKind.Skipped;
  out.lost = lost;
  return LineKind.Lost;
}

/**
 * Reads the line in b[start, end) (no newline) into `out`, from both ends by tokens, any layout.
 * Anything that is not a whole event or a lost-samples notice — banner, header, blank, cut-off or
 * garbled lines — is Skipped.
 */
export function scanTraceLine(b: Uint8Array, start: number, end: number, out: ScannedLine): LineKind {
  // Tokens from the right: up to six (NETNS DPORT SPORT DADDR SADDR IP).
  let count = 0;
  let i = end - 1;
  while (count < 6) {
    while (i >= start && isBlank(b[i] as number)) i--;
    if (i < start) break;
    rightEnd[count] = i + 1;
    while (i >= start && !isBlank(b[i] as number)) i--;
    rightStart[count] = i + 1;
    count++;
  }
  if (count < 5) return b[start] === 80 ? scanLost(b, start, end, out) : LineKind.Skipped; // 'P'

  // The IP column ("4" or "6") is the fifth token from the right without -v, the sixth with it.
  let ipIndex: number;
  if (isVersion(b, 4)) ipIndex = 4;
  else if (count === 6 && isVersion(b, 5)) ipIndex = 5;
  else return b[start] === 80 ? scanLost(b, start, end, out) : LineKind.Skipped;
  const verbose = ipIndex === 5;
  const ipStart = rightStart[ipIndex] as number;
  const ipVersion = b[ipStart] === 52 ? 4 : 6;

  // Tokens from the left, up to three (TIME TYPE PID), all before the IP column.
  let left = 0;
  let j = start;
  while (left < 3) {
    while (j < ipStart && isBlank(b[j] as number)) j++;
    if (j >= ipStart) break;
    leftStart[left] = j;
    while (j < ipStart && !isBlank(b[j] as number)) j++;
    leftEnd[left] = j;
    left++;
  }
  if (left < 2) return LineKind.Skipped;
  let type = eventType(b, leftStart[0] as number, leftEnd[0] as number);
  let time = NaN;
  let pidIndex = 1;
  if (type < 0) {
    if (left < 3) return LineKind.Skipped;
    type = eventType(b, leftStart[1] as number, leftEnd[1] as number);
    time = timeSeconds(b, leftStart[0] as number, leftEnd[0] as number, verbose);
    if (type < 0 || Number.isNaN(time)) return LineKind.Skipped;
    pidIndex = 2;
  }
  const pid = digits(b, leftStart[pidIndex] as number, leftEnd[pidIndex] as number);
  if (pid < 0 || pid > PID_MAX) return LineKind.Skipped;
  // COMM is the kernel's 16-byte task name, NUL included: more than 15 bytes between PID and IP is two
  // lines run together (a cut-off line, then the next one), not one event.
  if (commBytes(b, leftEnd[pidIndex] as number, ipStart) > COMM_MAX_BYTES) return LineKind.Skipped;

  const base = ipIndex - 4; // DPORT is token 0 without -v, 1 with it
  const dport = digits(b, rightStart[base] as number, rightEnd[base] as number);
  const sport = digits(b, rightStart[base + 1] as number, rightEnd[base + 1] as number);
  if (dport < 0 || dport > 65535 || sport < 0 || sport > 65535) return LineKind.Skipped;
  let netns = -1;
  if (verbose) {
    netns = digits(b, rightStart[0] as number, rightEnd[0] as number);
    if (netns < 0) return LineKind.Skipped;
  }
  const daddrStart = rightStart[base + 2] as number;
  const daddrEnd = rightEnd[base + 2] as number;
  const saddrStart = rightStart[base + 3] as number;
  const saddrEnd = rightEnd[base + 3] as number;
  let saddrV4 = -1;
  let daddrV4 = -1;
  if (ipVersion === 4) {
    saddrV4 = ipv4(b, saddrStart, saddrEnd);
    daddrV4 = ipv4(b, daddrStart, daddrEnd);
    if (saddrV4 < 0 || daddrV4 < 0) return LineKind.Skipped;
  } else if (!bracketed(b, saddrStart, saddrEnd) || !bracketed(b, daddrStart, daddrEnd)) {
    return LineKind.Skipped;
  }

  out.type = type;
  out.timeSeconds = time;
  out.pid = pid;
  out.ipVersion = ipVersion;
  out.commStart = leftEnd[pidIndex] as number;
  out.commEnd = ipStart;
  out.saddrStart = saddrStart;
  out.saddrEnd = saddrEnd;
  out.saddrV4 = saddrV4;
  out.daddrStart = daddrStart;
  out.daddrEnd = daddrEnd;
  out.daddrV4 = daddrV4;
  out.sport = sport;
  out.dport = dport;
  out.netns = netns;
  return LineKind.Event;
}

/** The largest PID there can be: pid_max is at most PID_MAX_LIMIT, 4,194,304, on 64-bit (include/linux/threads.h). */
export const PID_MAX = 4_194_303;
/** TASK_COMM_LEN is 16 with the NUL (include/linux/sched.h). */
const COMM_MAX_BYTES = 15;

/**
 * The bytes of COMM between PID and IP, trimmed. tcptracer decodes it with `errors='replace'`, so a byte
 * that is not UTF-8 prints as U+FFFD (EF BF BD): one byte of the kernel's name each.
 */
function commBytes(b: Uint8Array, start: number, end: number): number {
  while (start < end && isBlank(b[start] as number)) start++;
  while (end > start && isBlank(b[end - 1] as number)) end--;
  let bytes = 0;
  for (let i = start; i < end; i++) {
    if (b[i] === 0xef && b[i + 1] === 0xbf && b[i + 2] === 0xbd) i += 2;
    bytes++;
  }
  return bytes;
}

function isVersion(b: Uint8Array, token: number): boolean {
  const s = rightStart[token] as number;
  return (rightEnd[token] as number) - s === 1 && (b[s] === 52 || b[s] === 54); // '4' '6'
}

function bracketed(b: Uint8Array, start: number, end: number): boolean {
  return end - start > 2 && b[start] === 91 && b[end - 1] === 93; // '[' ']'
}

/** One event with its text fields, for callers that read a line at a time (and for tests). */
export interface TraceEvent {
  readonly timeSeconds: number | null;
  readonly type: TraceEventType;
  readonly pid: number;
  readonly comm: string;
  readonly ipVersion: 4 | 6;
  /** As printed: IPv6 still in brackets. */
  readonly saddr: string;
  readonly daddr: string;
  readonly sport: number;
  readonly dport: number;
  readonly netns: number | null;
}

export type TraceLine =
  | { readonly kind: 'event'; readonly event: TraceEvent }
  | { readonly kind: 'lost'; readonly samples: number }
  | { readonly kind: 'skipped' };

export function commOf(b: Buffer, line: ScannedLine): string {
  return b.toString('utf8', line.commStart, line.commEnd).trim();
}

/** Reads one line of text (without its newline). */
export function parseTraceLine(text: string): TraceLine {
  const b = Buffer.from(text, 'utf8');
  const line = newScannedLine();
  const kind = scanTraceLine(b, 0, b.length, line);
  if (kind === LineKind.Lost) return { kind: 'lost', samples: line.lost };
  if (kind === LineKind.Skipped) return { kind: 'skipped' };
  return {
    kind: 'event',
    event: {
      timeSeconds: Number.isNaN(line.timeSeconds) ? null : line.timeSeconds,
      type: EVENT_TYPES[line.type] as TraceEventType,
      pid: line.pid,
      comm: commOf(b, line),
      ipVersion: line.ipVersion,
      saddr: b.toString('latin1', line.saddrStart, line.saddrEnd),
      daddr: b.toString('latin1', line.daddrStart, line.daddrEnd),
      sport: line.sport,
      dport: line.dport,
      netns: line.netns < 0 ? null : line.netns,
    },
  };
}

/** The samples libbcc reports lost on stderr (`Possibly lost N samples`, src/cc/perf_reader.c), summed. */
export function lostSamplesIn(stderr: string): number {
  let lost = 0;
  for (const match of stderr.matchAll(/^Possibly lost (\d+) samples\s*$/gm)) lost += Number(match[1]);
  return lost;
}
