import ipaddr from 'ipaddr.js';

/*
 * Which addresses a server-side fetch of an admin-typed URL (jwks_uri, OIDC discovery) may reach: the SSRF
 * guard. Pure, so each range has a unit test. The classification is ipaddr.js's (its `range()` follows the IANA
 * special-purpose registries, RFC 6890), read as an allow list: only what it calls `unicast` is the public
 * internet, so a special range it learns later is refused rather than let through.
 */

/** Ranges a trusted issuer with allow_private_network may reach: an operator's own network (RFC 1918, RFC 4193, RFC 6598). */
const PRIVATE_RANGES = new Set(['private', 'uniqueLocal', 'carrierGradeNat']);

/** The host itself and the cloud metadata service (169.254.169.254): never reachable, whatever the issuer says. */
const HOST_RANGES = new Set(['loopback', 'linkLocal', 'unspecified']);

/**
 * IPv4-compatible IPv6 (::a.b.c.d, RFC 4291 §2.5.5.1, deprecated): ipaddr.js counts it as unicast, yet
 * ::7f00:1 carries 127.0.0.1. Nothing legitimate uses it, so it is refused outright.
 */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/** The address's ipaddr.js range, an IPv4-mapped form (::ffff:a.b.c.d) read as its IPv4 address. */
function addressRange(ip: string): string {
  if (!ipaddr.isValid(ip)) return 'invalid';
  let parsed = ipaddr.parse(ip);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    else if (v6.range() === 'unicast' && v6.match(IPV4_COMPATIBLE)) return 'ipv4Compatible';
  }
  return parsed.range();
}

export function isLoopback(ip: string): boolean {
  return addressRange(ip) === 'loopback';
}

/** Private, loopback, link-local or otherwise special (not a public internet address). */
export function isNonPublic(ip: string): boolean {
  return addressRange(ip) !== 'unicast';
}

export interface FetchPolicy {
  production: boolean;
  /** A trusted issuer's allow_private_network: private ranges, never loopback or link-local. */
  allowPrivateNetwork: boolean;
}

/**
 * Why `ip` may not be reached over `protocol`, or undefined when it may. Everywhere: public addresses, and with
 * allow_private_network the private ranges too, over https. Outside production only, loopback as well, over http
 * or https: the escape hatch that lets tests and a developer's machine serve keys locally. It is not for
 * production, where loopback and link-local are refused even with allow_private_network.
 */
export function addressRefusal(protocol: string, ip: string, policy: FetchPolicy): string | undefined {
  if (protocol !== 'https:' && protocol !== 'http:') return 'only https URLs are fetched';
  if (protocol === 'http:' && policy.production) return 'only https URLs are fetched';
  const range = addressRange(ip);
  if (!policy.production && range === 'loopback') return undefined;
  if (protocol === 'http:') return 'http is only allowed to loopback addresses outside production';
  if (range === 'unicast') return undefined;
  if (policy.allowPrivateNetwork && PRIVATE_RANGES.has(range)) return undefined;
  const always = HOST_RANGES.has(range) ? ', refused even with allow_private_network' : '';
  return `address ${ip} is private, loopback or link-local (${range})${always}`;
}
