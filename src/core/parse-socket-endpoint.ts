/**
 * `address:port` as netstat and ss print it. The port is what follows the LAST colon, because netstat does
 * not bracket IPv6 (`2603:1030::1:443`). ss brackets IPv6 and writes `%ifname` after an address bound to a
 * device (`[fe80::1]%eth0:22`, `10.0.0.4%eth0:22`); brackets and zone are dropped so that one peer reads the
 * same from every tool, and an IPv4 peer of a dual-stack socket (`::ffff:a.b.c.d`) is a.b.c.d. The address must be a numeric IP: a host name (netstat or ss without `-n`), or an
 * IPv6 address netstat cut to its 23-character column, makes the row unreadable rather than wrong.
 */
import { canonicalIp, parseIp } from './ip-address';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * `wildcardAddress` is what the tool means by an address of `*`: ss prints it for the dual-stack
 * in6addr_any (`::`), net-tools without `-n` for 0.0.0.0.
 */
export function parseEndpoint(text: string, wildcardAddress: string): Endpoint | null {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const port = parsePort(text.slice(colon + 1));
  if (port === null) return null;

  let address = text.slice(0, colon);
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close === -1 || (close !== address.length - 1 && address[close + 1] !== '%')) return null;
    address = address.slice(1, close);
  }
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  if (address === '*') address = wildcardAddress;
  return parseIp(address) === null ? null : { address: canonicalIp(address), port };
}

/** `*` is the tools' way of printing port 0 (a listener's peer, an unbound socket). */
function parsePort(text: string): number | null {
  if (text === '*') return 0;
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}
