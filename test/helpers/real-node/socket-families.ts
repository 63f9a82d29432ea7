import { parseSocketTable, type SocketEntry } from '../../../src/core/parse-sockets';
import type { Connection } from './real-node';

/**
 * ESTABLISHED sockets by the family of the socket and its peer: an AF_INET socket (`ipv4`), an AF_INET6
 * one to an IPv6 peer (`ipv6`), an AF_INET6 one to an IPv4 peer written ::ffff:a.b.c.d (`mapped`). Each
 * family maps `address port` (as the responder writes them) to a count.
 */
export interface FamilyCounts {
  readonly ipv4: Record<string, number>;
  readonly ipv6: Record<string, number>;
  readonly mapped: Record<string, number>;
}

type Family = keyof FamilyCounts;

const PROC_HEADER = /^\s*sl\s+local_address\s+(rem_address|remote_address)\b/;

/**
 * Counts a socket table the responder archived, each socket read by parseSocketTable. The responder writes
 * a mapped peer as a.b.c.d, so the family is told from what only the raw text keeps: which /proc file
 * the row is in (`tcp` or `tcp6`), ss's `[::ffff:` brackets, netstat's `tcp6` label. `owners`: count only
 * sockets of these PIDs (the host table is shared).
 */
export function establishedByFamily(text: string, owners?: ReadonlySet<number>): FamilyCounts {
  const counts: FamilyCounts = { ipv4: {}, ipv6: {}, mapped: {} };
  const add = (family: Family, socket: SocketEntry) => {
    if (socket.state !== 'ESTABLISHED') return;
    if (owners !== undefined && (socket.pid === null || !owners.has(socket.pid))) return;
    const key = `${socket.remoteAddress} ${socket.remotePort}`;
    counts[family][key] = (counts[family][key] ?? 0) + 1;
  };
  const format = parseSocketTable(text).format;
  if (format === 'proc-net-tcp') {
    // tcp's rows then tcp6's, each file after its own header.
    const files: { v6: boolean; lines: string[] }[] = [];
    for (const line of text.split('\n')) {
      const header = PROC_HEADER.exec(line);
      if (header !== null) files.push({ v6: header[1] === 'remote_address', lines: [line] });
      else files.at(-1)?.lines.push(line);
    }
    for (const file of files) {
      for (const socket of parseSocketTable(file.lines.join('\n')).sockets) {
        add(!file.v6 ? 'ipv4' : socket.remoteAddress.includes(':') ? 'ipv6' : 'mapped', socket);
      }
    }
    return counts;
  }
  // ss and netstat: one row a line, read under the table's own header.
  const lines = text.split('\n');
  const header = lines.findIndex((line) => line.startsWith(format === 'netstat' ? 'Proto' : 'State'));
  for (const line of lines.slice(header + 1)) {
    if (line.trim() === '') continue;
    const socket = parseSocketTable(`${lines[header]}\n${line}`).sockets[0];
    if (socket === undefined) continue;
    const v6Socket = format === 'netstat' ? line.startsWith('tcp6') : /\s\[/.test(line);
    add(!v6Socket ? 'ipv4' : socket.remoteAddress.includes(':') ? 'ipv6' : 'mapped', socket);
  }
  return counts;
}

/** What a pod's connections should read as, by the same families and keys. */
export function expectedFamilies(connections: readonly Connection[]): FamilyCounts {
  const counts: FamilyCounts = { ipv4: {}, ipv6: {}, mapped: {} };
  for (const c of connections) {
    const mapped = c.family === 6 && c.host.startsWith('::ffff:');
    const family: Family = c.family === 4 ? 'ipv4' : mapped ? 'mapped' : 'ipv6';
    const key = `${mapped ? c.host.slice('::ffff:'.length) : c.host} ${c.port}`;
    if (c.count > 0) counts[family][key] = (counts[family][key] ?? 0) + c.count;
  }
  return counts;
}
