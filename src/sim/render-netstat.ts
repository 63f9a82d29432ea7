/**
 * net-tools 2.10 `netstat -ptn`: /proc/net/tcp then tcp6, listeners left out ("w/o servers"). Each address
 * is cut so that `address:port` fits 23 columns (no `-W`); an IPv4-mapped peer prints as plain IPv4; the
 * program column is `PID/name` (name = argv[0]'s file name, the whole cut to 19 characters) or `-`.
 */
import { parseIp } from '../core/ip-address';
import type { SimSocket } from './node-sockets';
import type { SocketOwner } from './render-ss';

const HEADER =
  'Active Internet connections (w/o servers)\n' +
  'Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name    \n';

const PROGNAME_WIDTH = 20;

function endpoint(address: string, port: number, wide: boolean): string {
  const ip = parseIp(address);
  // net-tools prints an IPv4-mapped address as the IPv4 one (parseIp has already folded it).
  const text =
    ip?.version === 4 && address.includes(':') ? address.slice(address.lastIndexOf(':') + 1) : address;
  const portText = String(port);
  // net-tools netstat.c: without -W (flag_wide) the address is cut so that address:port fits 23 columns.
  const cut = !wide && text.length + portText.length > 22 ? text.slice(0, 22 - portText.length) : text;
  return `${cut}:${portText}`;
}

/** `owner` gives the process name as netstat shows it (argv[0]'s file name), not the comm. */
export function renderNetstat(
  sockets: readonly SimSocket[],
  owner: SocketOwner,
  options: { readonly wide: boolean } = { wide: false },
): string {
  const rows = [4, 6].flatMap((family) =>
    sockets
      .filter((s) => s.family === family && s.state !== 'LISTEN')
      .map((socket) => {
        const who = owner(socket);
        const program = who === null ? '-' : `${who.pid}/${who.comm}`.slice(0, PROGNAME_WIDTH - 1);
        const local = endpoint(socket.localAddress, socket.localPort, options.wide);
        const remote = endpoint(socket.remoteAddress, socket.remotePort, options.wide);
        return (
          `${(family === 4 ? 'tcp' : 'tcp6').padEnd(4)}  ${'0'.padStart(6)} ${'0'.padStart(6)} ` +
          `${local.padEnd(23)} ${remote.padEnd(23)} ${socket.state.padEnd(11)} ${program.padEnd(PROGNAME_WIDTH)}\n`
        );
      }),
  );
  return HEADER + rows.join('');
}
