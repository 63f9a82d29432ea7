import { InputError } from './errors';
import { formatIp, parseIp, type IpAddress } from './ip-address';

export interface Cidr {
  readonly text: string;
  readonly version: 4 | 6;
  readonly network: bigint;
  readonly prefixLength: number;
}

function toBigInt(ip: IpAddress): bigint {
  return ip.version === 4 ? BigInt(ip.value) : ip.value;
}

/** Parses `a.b.c.d/n` or `x::/n`; a bare address is a host route. Throws InputError naming the text. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIp(addressText);
  const bits = ip?.version === 6 ? 128 : 32;
  const lengthText = slash === -1 ? String(bits) : text.slice(slash + 1);
  const prefixLength = /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : NaN;
  // A v4-mapped network would silently become an IPv4 one; ask for the IPv4 form instead.
  if (ip === null || !(prefixLength <= bits) || (ip.version === 4 && addressText.includes(':'))) {
    throw new InputError(`not a CIDR: '${text}' (expected e.g. 10.0.0.0/8 or fd00::/8)`);
  }
  const hostBits = BigInt(bits - prefixLength);
  const network = (toBigInt(ip) >> hostBits) << hostBits;
  return {
    text: `${formatIp(ip.version === 4 ? { version: 4, value: Number(network) } : { version: 6, value: network })}/${prefixLength}`,
    version: ip.version,
    network,
    prefixLength,
  };
}

function contains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.version !== ip.version) return false;
  const hostBits = BigInt((cidr.version === 4 ? 32 : 128) - cidr.prefixLength);
  return toBigInt(ip) >> hostBits === cidr.network >> hostBits;
}

/**
 * Destinations that never use a SNAT port on the load balancer: RFC 1918 and the other special ranges,
 * plus the Azure platform address (DNS, health probes). DESIGN.md section 5 lists them.
 */
export const NON_SNAT_RANGES: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '168.63.129.16/32',
  '::1/128',
  '::/128',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];

/**
 * Tells whether a destination uses SNAT ("public"). Built once per analysis with the user's own private
 * CIDRs (VNet, peered VNets, pod and service CIDRs), then asked once per distinct address.
 */
export class IpClassifier {
  private readonly ranges: readonly Cidr[];

  constructor(privateCidrs: readonly Cidr[] = []) {
    this.ranges = [...NON_SNAT_RANGES.map(parseCidr), ...privateCidrs];
  }

  /** False for anything that is not an address: an unparseable peer must not be blamed on SNAT. */
  isPublic(address: string): boolean {
    const ip = parseIp(address);
    if (ip === null) return false;
    return !this.ranges.some((range) => contains(range, ip));
  }
}

/** True for a CIDR parseCidr takes (a bare address is a /32 or /128). */
export function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** The classifier for CIDRs given as text (app settings, activity inputs): each must be a CIDR. */
export function classifierFor(privateCidrs: readonly string[]): IpClassifier {
  return new IpClassifier(privateCidrs.map(parseCidr));
}
