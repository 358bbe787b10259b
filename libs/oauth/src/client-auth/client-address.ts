import type { TrustProxy } from '@app/config';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BlockList, isIP } from 'node:net';

/** Whether the peer at `address` (hop 0 = the socket peer) may set X-Forwarded-For. */
export type TrustFunction = (address: string, hop: number) => boolean;

const TRUST = Symbol('clientAddressTrust');
const ADDRESS = Symbol('sourceAddress');
const IPV6_PREFIX = Symbol('clientAddressIpv6Prefix');
const SOURCE_KEY = Symbol('clientAddress');
/** THROTTLE_IPV6_PREFIX's default: the customary allocation to one host or LAN. */
const DEFAULT_IPV6_PREFIX = 64;

/**
 * `::ffff:10.0.0.1` (or `::ffff:a00:1`) is the IPv4 address 10.0.0.1 seen through an IPv6 socket, in a DNS answer
 * or in a proxy's header (RFC 4291 §2.5.5.2): it is returned as IPv4, so one host is one source either way.
 */
export function normalize(address: string): string {
  const a = address.trim();
  const groups = ipv6Groups(a);
  return groups ? (mappedIpv4(groups) ?? a) : a;
}

/** The eight 16-bit groups of an IPv6 address (a zone index such as `%eth0` ignored); undefined for anything else. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.split('%')[0];
  if (isIP(text) !== 6) return undefined;
  // An embedded IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) is the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const left = head ? head.split(':') : [];
  if (rest === undefined) return left.map((g) => parseInt(g, 16));
  const right = rest ? rest.split(':') : [];
  const zeros = new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}

/** The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:0:0/96`), else undefined. */
function mappedIpv4(g: number[]): string | undefined {
  if (g[0] || g[1] || g[2] || g[3] || g[4] || g[5] !== 0xffff) return undefined;
  return `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups (the first on a tie) as `::`. */
function formatIpv6(groups: number[]): string {
  let start = -1;
  let length = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > length) [start, length] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  return start < 0 ? hex.join(':') : `${hex.slice(0, start).join(':')}::${hex.slice(start + length).join(':')}`;
}

/**
 * The key a source is throttled and logged under. IPv4: the address. IPv6: its first `ipv6Prefix` bits as a
 * prefix in RFC 5952 form (`2001:db8:1:2::/64`), or the address itself at 128: a single IPv6 host is usually
 * given a whole /64 (RFC 6177 even suggests a /56 or /48 per site), so counting per address would hand it 2^64
 * fresh buckets. An IPv4-mapped IPv6 address is IPv4. Anything that is not an address is returned unchanged.
 */
export function sourceKey(address: string, ipv6Prefix: number): string {
  const groups = ipv6Groups(address);
  if (!groups) return address;
  const v4 = mappedIpv4(groups);
  if (v4 !== undefined) return v4;
  if (ipv6Prefix >= 128) return formatIpv6(groups);
  const masked = groups.map((g, i) => {
    const bits = Math.max(0, Math.min(16, ipv6Prefix - 16 * i));
    return bits === 0 ? 0 : g & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${formatIpv6(masked)}/${ipv6Prefix}`;
}

/**
 * The TRUST_PROXY setting as a predicate: `false` trusts no peer, `true` every peer (unsafe on a public port:
 * any client then names its own address), a list the given addresses and CIDR blocks.
 */
export function trustedProxy(setting: TrustProxy): TrustFunction {
  if (setting === false) return () => false;
  if (setting === true) return () => true;
  const list = new BlockList();
  for (const entry of setting) {
    const [addr, bits] = entry.split('/');
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(normalize(addr), type);
    else list.addSubnet(normalize(addr), Number(bits), type);
  }
  return (address) => {
    const a = normalize(address);
    const family = isIP(a);
    return family !== 0 && list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * The request's source: the socket peer, or, when that peer is a trusted proxy, the rightmost
 * X-Forwarded-For hop that is not itself trusted (every hop left of it could be forged by the client). When
 * every hop is trusted, the leftmost one.
 */
export function resolveClientAddress(peer: string, forwardedFor: string | string[] | undefined, trust: TrustFunction): string {
  let address = normalize(peer);
  if (!trust(address, 0) || forwardedFor === undefined) return address;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  for (let i = hops.length - 1, hop = 1; i >= 0; i--, hop++) {
    const next = normalize(hops[i]);
    if (next === '') continue;
    // A hop that is not an address was written by an untrusted party: stop at the last trusted one's word.
    if (isIP(next) === 0) return address;
    address = next;
    if (!trust(address, hop)) return address;
  }
  return address;
}

/**
 * Makes clientAddress() resolve requests of this server with the TRUST_PROXY setting and group IPv6 sources per
 * THROTTLE_IPV6_PREFIX bits (child contexts inherit both).
 */
export function installClientAddress(fastify: FastifyInstance, trust: TrustFunction, ipv6Prefix = DEFAULT_IPV6_PREFIX): void {
  const server = fastify as unknown as Record<symbol, unknown>;
  server[TRUST] = trust;
  server[IPV6_PREFIX] = ipv6Prefix;
}

/** The full source address of a request (the socket peer, or per TRUST_PROXY a forwarded hop), for the access log. */
export function sourceAddress(req: FastifyRequest): string {
  const memo = req as unknown as Record<symbol, string | undefined>;
  const known = memo[ADDRESS];
  if (known !== undefined) return known;
  const trust = (req.server as unknown as Record<symbol, TrustFunction | undefined>)[TRUST] ?? (() => false);
  const address = resolveClientAddress(req.raw.socket?.remoteAddress ?? '', req.headers['x-forwarded-for'], trust);
  memo[ADDRESS] = address;
  return address;
}

/**
 * The one source of a request as the client-authentication throttle counts it and the security log names it:
 * sourceKey() of its address, so an IPv4 address, or an IPv6 prefix such as `2001:db8:1:2::/64`. Computed once
 * per request.
 */
export function clientAddress(req: FastifyRequest): string {
  const memo = req as unknown as Record<symbol, string | undefined>;
  const known = memo[SOURCE_KEY];
  if (known !== undefined) return known;
  const prefix = (req.server as unknown as Record<symbol, number | undefined>)[IPV6_PREFIX] ?? DEFAULT_IPV6_PREFIX;
  const key = sourceKey(sourceAddress(req), prefix);
  memo[SOURCE_KEY] = key;
  return key;
}
