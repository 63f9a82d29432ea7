/**
 * `/proc/<pid>/net/tcp` and `tcp6` as the kernel prints them (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c):
 * listeners first, then established sockets; every 32-bit word of an address printed as a host
 * (little-endian) integer. tcp pads its header and rows to 149 columns (seq_setwidth), tcp6 does not.
 */
import { parseIp } from '../core/ip-address';
import type { SimSocket } from './node-sockets';

const TCP_HEADER =
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const TCP6_HEADER =
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
/** TMPSZ - 1 in tcp4_seq_show. */
const TCP_LINE_WIDTH = 149;

const STATE_CODES: Readonly<Record<SimSocket['state'], string>> = { ESTABLISHED: '01', LISTEN: '0A' };

function hex8(value: number): string {
  return (value >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** One 32-bit word in network order, printed as the little-endian host reads it. */
function hostOrderWord(word: number): string {
  return hex8(((word & 0xff) << 24) | ((word & 0xff00) << 8) | ((word >>> 8) & 0xff00) | (word >>> 24));
}

function addressHex(address: string, family: 4 | 6): string {
  const ip = parseIp(address);
  if (ip === null) throw new Error(`not an address: ${address}`);
  if (family === 4) {
    if (ip.version !== 4) throw new Error(`not an IPv4 address: ${address}`);
    return hostOrderWord(ip.value);
  }
  // parseIp folds ::ffff:a.b.c.d to IPv4; in tcp6 it is the mapped IPv6 address.
  const value = ip.version === 4 ? (0xffffn << 32n) | BigInt(ip.value) : ip.value;
  let out = '';
  for (let shift = 96n; shift >= 0n; shift -= 32n)
    out += hostOrderWord(Number((value >> shift) & 0xffffffffn));
  return out;
}

function hex4(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

function row(socket: SimSocket, sl: number): string {
  const listen = socket.state === 'LISTEN';
  const fields = [
    `${String(sl).padStart(4)}:`,
    `${addressHex(socket.localAddress, socket.family)}:${hex4(socket.localPort)}`,
    `${addressHex(socket.remoteAddress, socket.family)}:${hex4(socket.remotePort)}`,
    STATE_CODES[socket.state],
    '00000000:00000000',
    '00:00000000',
    '00000000',
    String(socket.uid).padStart(5),
    '0'.padStart(8),
    String(socket.inode),
    '1',
    socket.pointer,
    // rto and ato in clock ticks, quick/pingpong, snd_cwnd, then ssthresh (-1 in slow start) or a
    // listener's fastopen queue length.
    listen ? '100 0 0 10 0' : '20 0 0 10 -1',
  ];
  return fields.join(' ');
}

/** The text of /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6) for one netns's sockets. */
export function renderProcNetTcp(sockets: readonly SimSocket[], family: 4 | 6): string {
  const rows = sockets.filter((s) => s.family === family).map((s, i) => row(s, i));
  if (family === 6) return [TCP6_HEADER, ...rows].map((line) => `${line}\n`).join('');
  return [TCP_HEADER, ...rows].map((line) => `${line.padEnd(TCP_LINE_WIDTH)}\n`).join('');
}
