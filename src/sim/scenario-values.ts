/**
 * The scenario's limits and its two value grammars (IP addresses and `HOST:PORT`), shared by the schema, the
 * normaliser and the node model.
 */
import { formatIp, parseIp, type IpAddress } from '../core/ip-address';

/** The tools the simulator can answer inside an application container. */
export const CONTAINER_TOOLS = ['netstat', 'ss', 'cat'] as const;
export type ContainerTool = (typeof CONTAINER_TOOLS)[number];

/** Linux's default net.ipv4.ip_local_port_range, 32768-60999: the ports one local address can connect from. */
export const EPHEMERAL_PORT_FIRST = 32768;
export const EPHEMERAL_PORT_COUNT = 60999 - 32768 + 1;
/** Ephemeral ports of the node's address kept for its own daemons (kubelet, waagent) and their probes. */
export const NODE_DAEMON_PORTS = 64;
/** AKS's maximum pods per node. */
export const MAX_PODS_PER_NODE = 250;
/** AKS's maximum nodes per cluster. */
export const MAX_NODES = 5000;
export const MAX_TRACE_SECONDS = 600;
export const MAX_CONNECTS_PER_SECOND = 10000;
/** Generated filler pods live in this namespace; scenario pods may not. */
export const FILLER_NAMESPACE = 'filler';

/** An address as the scenario writes it; `::ffff:a.b.c.d` and brackets are not accepted. */
export function ipOf(text: string): IpAddress | null {
  const ip = parseIp(text);
  // `::ffff:a.b.c.d` parses as its IPv4 address; the scenario wants that written as IPv4.
  if (ip === null || text.includes('[') || (ip.version === 4 && text.includes(':'))) return null;
  return ip;
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** `a.b.c.d:port` or `[v6]:port` as an address (canonical, no brackets), a port and a family; null if neither. */
export function parseHostPort(text: string): Endpoint | null {
  const match = /^(?:\[([^\]]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  if (match === null) return null;
  const host = match[1] ?? match[2] ?? '';
  const ip = ipOf(host);
  const port = Number(match[3]);
  if (ip === null || (match[1] !== undefined) !== (ip.version === 6) || port < 1 || port > 65535) return null;
  return { address: formatIp(ip), port, family: ip.version };
}

export function formatHostPort(endpoint: Endpoint): string {
  return endpoint.family === 6
    ? `[${endpoint.address}]:${endpoint.port}`
    : `${endpoint.address}:${endpoint.port}`;
}
