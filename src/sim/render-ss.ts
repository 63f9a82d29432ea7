/**
 * iproute2 `ss -tnp` (6.1) as it prints when its output is not a terminal (through `kubectl exec`): the
 * "compact" layout of ss.c's render_calc_width, where every column is as wide as its widest cell plus its
 * one-blank left delimiter; addresses are right-aligned and end in `:`, ports and the rest left-aligned.
 * Without `-a` it leaves listeners out; `state established` filters to ESTAB and drops the State column.
 */
import { parseIp } from '../core/ip-address';
import type { SimSocket } from './node-sockets';

/** Who holds a socket as the reader can see it; null when the reader's /proc does not show the owner. */
export type SocketOwner = (
  socket: SimSocket,
) => { readonly comm: string; readonly pid: number; readonly fd: number } | null;

interface Column {
  readonly header: string;
  readonly right: boolean;
  readonly delimiter: string;
}

const STATE: Column = { header: 'State', right: false, delimiter: ' ' };
const COLUMNS: readonly Column[] = [
  { header: 'Recv-Q', right: false, delimiter: ' ' },
  { header: 'Send-Q', right: false, delimiter: ' ' },
  { header: 'Local Address:', right: true, delimiter: ' ' },
  { header: 'Port', right: false, delimiter: '' },
  { header: 'Peer Address:', right: true, delimiter: ' ' },
  { header: 'Port', right: false, delimiter: '' },
  { header: 'Process', right: false, delimiter: '' },
];

const STATE_NAMES: Readonly<Record<SimSocket['state'], string>> = { ESTABLISHED: 'ESTAB', LISTEN: 'LISTEN' };

/** ss's address text: IPv6 in brackets, a dual-stack wildcard as `*`. */
function address(text: string, family: 4 | 6, dualStack: boolean): string {
  if (family === 4) return text;
  if (dualStack && parseIp(text)?.value === 0n) return '*';
  // An AF_INET6 socket's IPv4 peer: the kernel keeps it v4-mapped, and ss prints it so.
  if (parseIp(text)?.version === 4) return `[::ffff:${text}]`;
  return `[${text}]`;
}

function port(value: number): string {
  return value === 0 ? '*' : String(value);
}

export function renderSs(
  sockets: readonly SimSocket[],
  options: { readonly owner: SocketOwner; readonly onlyEstablished: boolean },
): string {
  const columns = options.onlyEstablished ? COLUMNS : [STATE, ...COLUMNS];
  // ss asks the kernel for IPv4 sockets first, then IPv6; within each, the table's own order.
  const shown = [4, 6].flatMap((family) =>
    sockets.filter((s) => s.family === family && s.state === 'ESTABLISHED'),
  );
  const lines: string[][] = [columns.map((c) => c.header)];
  for (const socket of shown) {
    const owner = options.owner(socket);
    const cells = [
      `${String(0).padEnd(6)}`,
      `${String(0).padEnd(6)}`,
      `${address(socket.localAddress, socket.family, socket.dualStack)}:`,
      port(socket.localPort),
      `${address(socket.remoteAddress, socket.family, false)}:`,
      port(socket.remotePort),
      owner === null ? '' : ` users:(("${owner.comm}",pid=${owner.pid},fd=${owner.fd}))`,
    ];
    lines.push(options.onlyEstablished ? cells : [STATE_NAMES[socket.state], ...cells]);
  }
  // The first column has no delimiter before it; every other is as wide as its widest cell plus its delimiter.
  const widths = columns.map((column, i) => {
    const widest = Math.max(...lines.map((cells) => (cells[i] as string).length));
    return i === 0 || widest === 0 ? widest : widest + column.delimiter.length;
  });
  return lines
    .map((cells) => {
      let line = '';
      cells.forEach((cell, i) => {
        const column = columns[i] as Column;
        const width = widths[i] as number;
        const delimiter = i === 0 ? '' : column.delimiter;
        const room = width - delimiter.length - cell.length;
        line += column.right
          ? delimiter + ' '.repeat(Math.max(0, room)) + cell
          : delimiter + cell + ' '.repeat(Math.max(0, room));
      });
      return `${line}\n`;
    })
    .join('');
}
