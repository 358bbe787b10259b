import type { TrustProxy } from '@app/config';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BlockList, isIP } from 'node:net';

/** Whether the peer at `address` (hop 0 = the socket peer) may set X-Forwarded-For. */
export type TrustFunction = (address: string, hop: number) => boolean;

const TRUST = Symbol('clientAddressTrust');
const ADDRESS = Symbol('clientAddress');

/** `::ffff:10.0.0.1` is the IPv4 address 10.0.0.1 seen through an IPv6 socket (or in a DNS answer). */
export function normalize(address: string): string {
  const a = address.trim();
  return a.toLowerCase().startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
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

/** Makes clientAddress() resolve requests of this server with the TRUST_PROXY setting (child contexts inherit it). */
export function installClientAddress(fastify: FastifyInstance, trust: TrustFunction): void {
  (fastify as unknown as Record<symbol, TrustFunction>)[TRUST] = trust;
}

/**
 * The one source address of a request, used by the client-authentication throttle, the security log and the
 * access log. Computed once per request.
 */
export function clientAddress(req: FastifyRequest): string {
  const memo = req as unknown as Record<symbol, string | undefined>;
  const known = memo[ADDRESS];
  if (known !== undefined) return known;
  const trust = (req.server as unknown as Record<symbol, TrustFunction | undefined>)[TRUST] ?? (() => false);
  const address = resolveClientAddress(req.raw.socket?.remoteAddress ?? '', req.headers['x-forwarded-for'], trust);
  memo[ADDRESS] = address;
  return address;
}
