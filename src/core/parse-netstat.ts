/**
 * `netstat -ptn` from net-tools 2.10 or busybox: `Proto Recv-Q Send-Q Local Foreign State PID/Program`.
 * net-tools labels IPv6 sockets `tcp6`, busybox labels both families `tcp`. PID/Program is `-` when the
 * socket has no owner we may see (TIME_WAIT, another user's process), and its program part is argv[0],
 * which may hold spaces (`nginx: worker`) and slashes (`./bin/python3`): it is the rest of the line.
 *
 * Without `-W`, net-tools cuts a long IPv6 address to fit its column; a cut address that no longer parses is
 * skipped, one that still parses cannot be told from a real one. Run it with `-W` where IPv6 is long.
 */
import { TCP_STATES } from './tcp-states';
import { parseEndpoint } from './parse-socket-endpoint';
import type { SocketEntry, SocketTableReader, TcpState } from './parse-sockets';

const HEADERS = [
  /^Active Internet connections\b/,
  /^Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address\b/,
  // net-tools writes this to stderr; it lands at the top of the table when `kubectl exec -t` merges streams.
  /^\(Not all processes could be identified, non-owned process info$/,
  /^will not be shown, you would have to be root to see it all\.\)$/,
];

const ROW = /^tcp6?\s+\d+\s+\d+\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.+))?$/;
const PID_PROGRAM = /^(\d+)\/(.*)$/;

// netstat's own names are the kernel's (all but NEW_SYN_RECV, which it never shows); anything else means
// this is not netstat's vocabulary.
const STATES: ReadonlySet<string> = new Set<TcpState>(TCP_STATES.filter((state) => state !== 'NEW_SYN_RECV'));

function isHeader(line: string): boolean {
  return HEADERS.some((header) => header.test(line));
}

function parseRow(line: string): SocketEntry | null {
  const match = ROW.exec(line);
  if (match === null) return null;
  const [, localText = '', remoteText = '', state = '', owner] = match;
  if (!STATES.has(state)) return null;
  const local = parseEndpoint(localText, '0.0.0.0');
  const remote = parseEndpoint(remoteText, '0.0.0.0');
  if (local === null || remote === null) return null;

  let pid: number | null = null;
  let program: string | null = null;
  // No column at all: netstat without -p, or busybox built without FEATURE_NETSTAT_PRG.
  if (owner !== undefined && owner !== '-') {
    const pidProgram = PID_PROGRAM.exec(owner);
    if (pidProgram === null) return null;
    pid = Number(pidProgram[1]);
    program = pidProgram[2]?.trim() || null;
  }

  return {
    localAddress: local.address,
    localPort: local.port,
    remoteAddress: remote.address,
    remotePort: remote.port,
    state: state as TcpState,
    pid,
    program,
  };
}

export const netstatReader: SocketTableReader = { isHeader, parseRow };
