/**
 * One line of bcc's `tcptracer` output, read from both ends.
 *
 * Layouts (bcc tools/tcptracer.py): `[TIME] TYPE PID COMM IP SADDR DADDR SPORT DPORT [NETNS]`, where TIME is
 * integer nanoseconds with `-v` and `%.3f` seconds without, TYPE is `connect|accept|close|unknown` with
 * `-v` and `C|A|X|U` without, and NETNS is printed with `-v` only. COMM is the thread name: up to 15
 * characters that may contain spaces, so it is whatever lies between PID and IP. A PID wider than its
 * `%-6d` column pushes the rest of the line right, which a column-offset parser would get wrong.
 */

export type TraceEventType = 'connect' | 'accept' | 'close' | 'unknown';

export interface TraceEvent {
  /** Seconds since the first event, or null when the trace was taken without `-t`. */
  readonly timeSeconds: number | null;
  readonly type: TraceEventType;
  readonly pid: number;
  readonly comm: string;
  readonly ipVersion: 4 | 6;
  /** Addresses as printed (IPv6 still in brackets); the aggregator validates and unbrackets them once each. */
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

const EVENT_TYPES: Readonly<Record<string, TraceEventType>> = {
  connect: 'connect',
  accept: 'accept',
  close: 'close',
  unknown: 'unknown',
  C: 'connect',
  A: 'accept',
  X: 'close',
  U: 'unknown',
};

const LOST_PREFIX = 'Possibly lost ';
const SKIPPED: TraceLine = { kind: 'skipped' };

// Token boundaries of the line being read; reused so that reading a line allocates only its fields.
const rightStart = new Int32Array(6);
const rightEnd = new Int32Array(6);
const leftStart = new Int32Array(3);
const leftEnd = new Int32Array(3);

function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 13;
}

function isDigits(text: string): boolean {
  if (text.length === 0 || text.length > 20) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function parsePort(text: string): number {
  if (!isDigits(text)) return -1;
  const port = Number(text);
  return port <= 65535 ? port : -1;
}

/** IPv4 as dotted digits, IPv6 in brackets: a cheap shape check; the full parse runs once per address. */
function looksLikeAddress(text: string, version: 4 | 6): boolean {
  if (version === 6)
    return text.length > 2 && text.charCodeAt(0) === 91 && text.charCodeAt(text.length - 1) === 93;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) dots++;
    else if (c < 48 || c > 57) return false;
  }
  return dots === 3;
}

function parseTime(text: string, nanoseconds: boolean): number | null {
  if (nanoseconds) return isDigits(text) ? Number(text) / 1e9 : null;
  return /^\d+\.\d+$/.test(text) ? Number(text) : null;
}

/** Reads one line (without its newline). Anything that is not a whole event or a lost-samples notice is skipped. */
export function parseTraceLine(line: string): TraceLine {
  // Tokens from the right: up to six (NETNS DPORT SPORT DADDR SADDR IP).
  let count = 0;
  let i = line.length - 1;
  while (count < 6) {
    while (i >= 0 && isBlank(line.charCodeAt(i))) i--;
    if (i < 0) break;
    rightEnd[count] = i + 1;
    while (i >= 0 && !isBlank(line.charCodeAt(i))) i--;
    rightStart[count] = i + 1;
    count++;
  }
  if (count < 5) return line.startsWith(LOST_PREFIX) ? parseLost(line) : SKIPPED;

  // With -v the IP column is the sixth token from the right, without it the fifth.
  const token = (k: number): string => line.slice(rightStart[k], rightEnd[k]);
  const fifth = token(4);
  let verbose: boolean;
  let ipIndex: number;
  if (fifth === '4' || fifth === '6') {
    verbose = false;
    ipIndex = 4;
  } else if (count === 6 && (token(5) === '4' || token(5) === '6')) {
    verbose = true;
    ipIndex = 5;
  } else {
    return line.startsWith(LOST_PREFIX) ? parseLost(line) : SKIPPED;
  }
  const ipVersion = token(ipIndex) === '4' ? 4 : 6;
  const ipStart = rightStart[ipIndex] ?? 0;

  // Tokens from the left, up to three (TIME TYPE PID), all before the IP column.
  let left = 0;
  let j = 0;
  while (left < 3) {
    while (j < ipStart && isBlank(line.charCodeAt(j))) j++;
    if (j >= ipStart) break;
    leftStart[left] = j;
    while (j < ipStart && !isBlank(line.charCodeAt(j))) j++;
    leftEnd[left] = j;
    left++;
  }
  if (left < 2) return SKIPPED;
  const first = line.slice(leftStart[0], leftEnd[0]);
  let type = EVENT_TYPES[first];
  let timeSeconds: number | null = null;
  let pidIndex = 1;
  if (type === undefined) {
    if (left < 3) return SKIPPED;
    type = EVENT_TYPES[line.slice(leftStart[1], leftEnd[1])];
    timeSeconds = parseTime(first, verbose);
    if (type === undefined || timeSeconds === null) return SKIPPED;
    pidIndex = 2;
  }
  const pidText = line.slice(leftStart[pidIndex], leftEnd[pidIndex]);
  if (!isDigits(pidText)) return SKIPPED;
  // When TIME is absent the third left token (if any) is the start of COMM, not a field.
  const commStart = leftEnd[pidIndex] ?? 0;

  const saddr = token(ipIndex - 1);
  const daddr = token(ipIndex - 2);
  const sport = parsePort(token(ipIndex - 3));
  const dport = parsePort(token(ipIndex - 4));
  if (sport < 0 || dport < 0) return SKIPPED;
  if (!looksLikeAddress(saddr, ipVersion) || !looksLikeAddress(daddr, ipVersion)) return SKIPPED;
  let netns: number | null = null;
  if (verbose) {
    const netnsText = token(0);
    if (!isDigits(netnsText)) return SKIPPED;
    netns = Number(netnsText);
  }

  return {
    kind: 'event',
    event: {
      timeSeconds,
      type,
      pid: Number(pidText),
      comm: line.slice(commStart, ipStart).trim(),
      ipVersion,
      saddr,
      daddr,
      sport,
      dport,
      netns,
    },
  };
}

function parseLost(line: string): TraceLine {
  const match = /^Possibly lost (\d+) samples?\s*$/.exec(line);
  return match ? { kind: 'lost', samples: Number(match[1]) } : SKIPPED;
}
