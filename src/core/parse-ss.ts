/**
 * `ss -tnp` (iproute2): `State Recv-Q Send-Q Local:Port Peer:Port Process`. ss drops the State column when
 * its filter names exactly one state. The text cannot say which; the one asked for is `state established`
 * (`ss -tnp state established`), so a table without the column is read as all ESTABLISHED.
 *
 * Process is `users:(("comm",pid=N,fd=N),...)`, one entry per process holding the socket (a forked child
 * shares its parent's), or nothing at all when ss may not see the owner. The first entry is taken. A
 * listener's peer is `*:*` or `0.0.0.0:*`: the row is kept, the wildcard port read as 0 and the `*` address
 * as `::`, which is what ss prints it for, so listeners read the same as in /proc/net/tcp6.
 */
import { parseEndpoint, type Endpoint } from './parse-socket-endpoint';
import type { SocketEntry, SocketTableReader, TcpState } from './parse-sockets';

// ss sizes each column to its widest cell, and a Process cell starts with a space that its label does
// not have: when every peer port is short, the header reads `Peer Address:PortProcess`, run together.
const HEADER = /^State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port(?=\s|Process|$)/;
const NO_STATE_HEADER = /^Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port(?=\s|Process|$)/;

const ROW = /^(\S+)\s+\d+\s+\d+\s+(\S+)\s+(\S+)(?:\s+(.+))?$/;
const NO_STATE_ROW = /^\d+\s+\d+\s+(\S+)\s+(\S+)(?:\s+(.+))?$/;

// The comm is quoted but not escaped, so it ends at the first `",pid=`.
const FIRST_USER = /users:\(\("(.*?)",pid=(\d+),/;

/** iproute2 ss.c `sstate_name`: TCP_CLOSE is printed as UNCONN. */
const STATES: ReadonlyMap<string, TcpState> = new Map<string, TcpState>([
  ['ESTAB', 'ESTABLISHED'],
  ['SYN-SENT', 'SYN_SENT'],
  ['SYN-RECV', 'SYN_RECV'],
  ['FIN-WAIT-1', 'FIN_WAIT1'],
  ['FIN-WAIT-2', 'FIN_WAIT2'],
  ['TIME-WAIT', 'TIME_WAIT'],
  ['UNCONN', 'CLOSE'],
  ['CLOSE', 'CLOSE'],
  ['CLOSE-WAIT', 'CLOSE_WAIT'],
  ['LAST-ACK', 'LAST_ACK'],
  ['LISTEN', 'LISTEN'],
  ['CLOSING', 'CLOSING'],
  ['UNKNOWN', 'UNKNOWN'],
]);

function toEntry(
  local: Endpoint | null,
  remote: Endpoint | null,
  state: TcpState,
  process: string | undefined,
): SocketEntry | null {
  if (local === null || remote === null) return null;
  const user = process === undefined ? null : FIRST_USER.exec(process);
  return {
    localAddress: local.address,
    localPort: local.port,
    remoteAddress: remote.address,
    remotePort: remote.port,
    state,
    pid: user ? Number(user[2]) : null,
    program: user?.[1] || null,
  };
}

function parseRow(line: string): SocketEntry | null {
  const match = ROW.exec(line);
  if (match === null) return null;
  const [, stateText = '', localText = '', remoteText = '', process] = match;
  const state = STATES.get(stateText);
  if (state === undefined) return null;
  return toEntry(parseEndpoint(localText, '::'), parseEndpoint(remoteText, '::'), state, process);
}

function parseNoStateRow(line: string): SocketEntry | null {
  const match = NO_STATE_ROW.exec(line);
  if (match === null) return null;
  const [, localText = '', remoteText = '', process] = match;
  return toEntry(parseEndpoint(localText, '::'), parseEndpoint(remoteText, '::'), 'ESTABLISHED', process);
}

export const ssReader: SocketTableReader = { isHeader: (line) => HEADER.test(line), parseRow };

export const ssNoStateReader: SocketTableReader = {
  isHeader: (line) => NO_STATE_HEADER.test(line),
  parseRow: parseNoStateRow,
};
