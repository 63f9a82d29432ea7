/**
 * IP addresses as numbers, so that classification is arithmetic and not string matching.
 * IPv4 is a 32-bit number; IPv6 a 128-bit bigint. `::ffff:a.b.c.d` is folded to its IPv4 address,
 * because that is what the peer really is (an IPv4 client of a dual-stack socket).
 */
export type IpAddress =
  { readonly version: 4; readonly value: number } | { readonly version: 6; readonly value: bigint };

const V4_MAPPED_PREFIX = 0xffffn << 32n;

export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255 || (part.length > 1 && part.startsWith('0'))) return null;
    value = value * 256 + octet;
  }
  return value;
}

function parseIpv6(text: string): bigint | null {
  let body = text;
  const zone = body.indexOf('%');
  if (zone !== -1) body = body.slice(0, zone);
  if (body.length === 0 || body.length > 45) return null;

  const halves = body.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : [];

  const groups: number[] = [];
  const pushGroups = (parts: string[], isLastPart: boolean): boolean => {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] ?? '';
      if (isLastPart && i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (v4 === null) return false;
        groups.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return false;
        groups.push(parseInt(part, 16));
      }
    }
    return true;
  };

  if (!pushGroups(head, halves.length === 1)) return null;
  const headCount = groups.length;
  if (!pushGroups(tail, true)) return null;
  const tailGroups = groups.splice(headCount);

  if (halves.length === 1) {
    if (groups.length !== 8) return null;
  } else {
    const missing = 8 - groups.length - tailGroups.length;
    if (missing < 1) return null;
    for (let i = 0; i < missing; i++) groups.push(0);
  }
  groups.push(...tailGroups);

  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}

/** Parses an address as the node tools print it: bracketed or not, with or without a zone. */
export function parseIp(text: string): IpAddress | null {
  let body = text;
  if (body.startsWith('[') && body.endsWith(']')) body = body.slice(1, -1);
  if (!body.includes(':')) {
    const v4 = parseIpv4(body);
    return v4 === null ? null : { version: 4, value: v4 };
  }
  const v6 = parseIpv6(body);
  if (v6 === null) return null;
  if (v6 >> 32n === V4_MAPPED_PREFIX >> 32n) return { version: 4, value: Number(v6 & 0xffffffffn) };
  return { version: 6, value: v6 };
}

export function formatIpv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** RFC 5952 text: lower case, longest run of zero groups (two or more) shortened to `::`. */
export function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function formatIp(ip: IpAddress): string {
  return ip.version === 4 ? formatIpv4(ip.value) : formatIpv6(ip.value);
}

/** Removes the brackets the tools put around IPv6 addresses; the Finding writes addresses without them. */
export function unbracket(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

/**
 * One address, one text, whatever the tool: no brackets, and an IPv4 peer of a dual-stack (AF_INET6)
 * socket, which tcptracer, ss and /proc/net/tcp6 print as `::ffff:a.b.c.d`, as the IPv4 address it is.
 * Anything that does not parse is returned unbracketed, as it was.
 */
export function canonicalIp(text: string): string {
  const bare = unbracket(text);
  if (!bare.includes(':')) return bare;
  const ip = parseIp(bare);
  return ip?.version === 4 ? formatIpv4(ip.value) : bare;
}

/** `address:port`, IPv6 in brackets as the tools print it. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
