/**
 * A pod's TCP socket table, from whichever tool its image has: `netstat -ptn` (net-tools or busybox),
 * `ss -tnp` (with its State column, or without it as `ss -tnp state established` prints) or
 * `cat /proc/net/tcp /proc/net/tcp6`. The format is told from the text, never from a file name, because the
 * same exec is answered by different tools in different images.
 *
 * Addresses come out the same whatever the tool: no brackets, no zone, an IPv4 peer of a dual-stack socket
 * (`::ffff:a.b.c.d`) as a.b.c.d, so that one peer is one key for the ranking and for the trace.
 */
import { InputError } from './errors';
import { netstatReader } from './parse-netstat';
import { procNetTcpReader } from './parse-proc-net-tcp';
import { ssNoStateReader, ssReader } from './parse-ss';

export type { TcpState } from './tcp-states';
import type { TcpState } from './tcp-states';

export type SocketTableFormat = 'netstat' | 'ss' | 'ss-no-state' | 'proc-net-tcp';

export interface SocketEntry {
  /** No brackets, no zone. `::` for ss's `*` (a dual-stack wildcard). */
  readonly localAddress: string;
  /** 0 for a wildcard port (`*`). */
  readonly localPort: number;
  /** No brackets, no zone. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly state: TcpState;
  readonly pid: number | null;
  readonly program: string | null;
  /**
   * Only from /proc/net/tcp, which names no process: the socket's inode, to match against the
   * `/proc/<pid>/fd` links. 0 when no file holds the socket (TIME_WAIT, a SYN_RECV request).
   */
  readonly inode?: number;
}

export interface SocketTable {
  readonly format: SocketTableFormat;
  readonly sockets: readonly SocketEntry[];
  /** Lines that are neither blank, a header nor a socket: cut-off rows, other output, names for numbers. */
  readonly skippedLines: number;
}

/** One format's grammar. Lines reach it trimmed and non-empty; `parseRow` is null for what is not a row. */
export interface SocketTableReader {
  readonly isHeader: (line: string) => boolean;
  readonly parseRow: (line: string) => SocketEntry | null;
}

const READERS: Readonly<Record<SocketTableFormat, SocketTableReader>> = {
  netstat: netstatReader,
  ss: ssReader,
  'ss-no-state': ssNoStateReader,
  'proc-net-tcp': procNetTcpReader,
};

const FORMATS: readonly SocketTableFormat[] = ['netstat', 'ss', 'ss-no-state', 'proc-net-tcp'];

const UNKNOWN_FORMAT = 'unknown socket table format (expected netstat -ptn, ss -tnp or /proc/net/tcp output)';

function firstNonBlankLine(text: string): string | null {
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end === -1 ? text.length : end).trim();
    if (line !== '') return line;
    if (end === -1) break;
    start = end + 1;
  }
  return null;
}

/** null when the text is not one of the formats (including empty / whitespace-only text). */
export function detectSocketFormat(text: string): SocketTableFormat | null {
  const first = firstNonBlankLine(text);
  if (first === null) return null;
  // Only the first line decides: a table starts with its header, or with a row when the header was left
  // out (`ss -H`). Looking further down would let any log that quotes a table pass for one.
  return (
    FORMATS.find((format) => READERS[format].isHeader(first)) ??
    FORMATS.find((format) => READERS[format].parseRow(first) !== null) ??
    null
  );
}

/**
 * Throws InputError (src/core/errors.ts) with a one-line message `unknown socket table format (expected
 * netstat -ptn, ss -tnp or /proc/net/tcp output)` when detection fails.
 */
export function parseSocketTable(text: string): SocketTable {
  const format = detectSocketFormat(text);
  if (format === null) throw new InputError(UNKNOWN_FORMAT);
  const reader = READERS[format];
  const sockets: SocketEntry[] = [];
  let skippedLines = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || reader.isHeader(line)) continue;
    const socket = reader.parseRow(line);
    if (socket === null) skippedLines++;
    else sockets.push(socket);
  }
  return { format, sockets, skippedLines };
}
