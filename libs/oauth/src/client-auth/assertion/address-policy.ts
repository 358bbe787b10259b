import { BlockList, isIP } from 'node:net';
import { normalize } from '../client-address';

/*
 * Which addresses a server-side fetch of an admin-typed URL (jwks_uri, OIDC discovery) may reach: the SSRF
 * guard. Pure, so each range has a unit test.
 */

const special = new BlockList();
// RFC 6890 special-purpose ranges that are not the public internet.
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  special.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  special.addSubnet(net, bits, 'ipv6');
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The address with an IPv4-mapped IPv6 form (::ffff:a.b.c.d) read as IPv4, and its BlockList family. */
function unmapped(address: string): { ip: string; family: 'ipv4' | 'ipv6' } {
  const ip = normalize(address);
  return { ip, family: isIP(ip) === 4 ? 'ipv4' : 'ipv6' };
}

export function isLoopback(ip: string): boolean {
  const a = unmapped(ip);
  return loopback.check(a.ip, a.family);
}

/** Private, loopback, link-local or otherwise special (not a public internet address). */
export function isNonPublic(ip: string): boolean {
  const a = unmapped(ip);
  return special.check(a.ip, a.family);
}

export interface FetchPolicy {
  production: boolean;
  /** A trusted issuer's allow_private_network. */
  allowPrivateNetwork: boolean;
}

/**
 * Why `ip` may not be reached over `protocol`, or undefined when it may: in production only public addresses
 * (unless the issuer allows private ones) over https; elsewhere also http, but only to loopback (tests).
 */
export function addressRefusal(protocol: string, ip: string, policy: FetchPolicy): string | undefined {
  if (protocol === 'http:') {
    if (policy.production) return 'only https URLs are fetched';
    if (!isLoopback(ip)) return 'http is only allowed to loopback addresses outside production';
    return undefined;
  }
  if (protocol !== 'https:') return 'only https URLs are fetched';
  if (policy.production && !policy.allowPrivateNetwork && isNonPublic(ip)) {
    return `address ${ip} is private, loopback or link-local`;
  }
  return undefined;
}
