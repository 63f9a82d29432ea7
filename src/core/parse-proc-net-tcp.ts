/**
 * `cat /proc/net/tcp /proc/net/tcp6`: the table the kernel keeps, for images that have neither netstat nor
 * ss. Each file has its own header. Addresses are hex `ADDR:PORT`; the kernel prints every 32-bit word of an
 * address as a host integer, so on the little-endian nodes AKS runs (x86-64, arm64) each word's bytes come
 * out reversed: 127.0.0.1 is 0100007F, ::1 is 00000000000000000000000001000000. Ports are plain hex.
 *
 * There is no process column; the inode is kept instead. TIME_WAIT and request rows are shorter than the
 * others, so nothing after the inode is read.
 */
import { TCP_STATES } from './tcp-states';
import { formatIpv4, formatIpv6 } from './ip-address';
import type { SocketEntry, SocketTableReader, TcpState } from './parse-sockets';

const HEADER = /^sl\s+local_address\s+rem(?:ote)?_address\s+st\b/;

const ENDPOINT = /([0-9A-F]{8}|[0-9A-F]{32}):([0-9A-F]{4})/.source;
// sl, local_address, rem_address, st; then tx:rx, tr:when, retrnsmt, uid and timeout, unused; then inode.
const ROW = new RegExp(
  String.raw`^\d+:\s+${ENDPOINT}\s+${ENDPOINT}\s+([0-9A-F]{2})\s+` +
    String.raw`[0-9A-F]+:[0-9A-F]+\s+[0-9A-F]+:[0-9A-F]+\s+[0-9A-F]+\s+\d+\s+-?\d+\s+(\d+)(?:\s|$)`,
  'i',
);

const STATES: readonly TcpState[] = TCP_STATES;

/** One 32-bit word as the kernel printed it, back in network byte order. */
function networkOrderWord(hex: string): number {
  const word = parseInt(hex, 16);
  return (((word & 0xff) << 24) | ((word & 0xff00) << 8) | ((word >>> 8) & 0xff00) | (word >>> 24)) >>> 0;
}

/** An IPv4 peer of a dual-stack socket (`::ffff:a.b.c.d` in tcp6) as its IPv4 address, other IPv6 per RFC 5952. */
function decodeAddress(hex: string): string {
  if (hex.length === 8) return formatIpv4(networkOrderWord(hex));
  let value = 0n;
  for (let offset = 0; offset < 32; offset += 8) {
    value = (value << 32n) | BigInt(networkOrderWord(hex.slice(offset, offset + 8)));
  }
  if (value >> 32n === 0xffffn) return formatIpv4(Number(value & 0xffffffffn));
  return formatIpv6(value);
}

function parseRow(line: string): SocketEntry | null {
  const match = ROW.exec(line);
  if (match === null) return null;
  const [, local = '', localPort = '', remote = '', remotePort = '', state = '', inode = ''] = match;
  if (local.length !== remote.length) return null;
  return {
    localAddress: decodeAddress(local),
    localPort: parseInt(localPort, 16),
    remoteAddress: decodeAddress(remote),
    remotePort: parseInt(remotePort, 16),
    state: STATES[parseInt(state, 16)] ?? 'UNKNOWN',
    pid: null,
    program: null,
    inode: Number(inode),
  };
}

export const procNetTcpReader: SocketTableReader = { isHeader: (line) => HEADER.test(line), parseRow };
