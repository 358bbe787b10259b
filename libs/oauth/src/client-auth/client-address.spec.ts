import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clientAddress, installClientAddress, resolveClientAddress, sourceAddress, sourceKey, trustedProxy } from './client-address';

describe('resolveClientAddress (TRUST_PROXY)', () => {
  const xff = '203.0.113.9, 198.51.100.7, 10.0.0.5';

  it('false (the default): the socket peer, whatever X-Forwarded-For says', () => {
    expect(resolveClientAddress('10.0.0.2', xff, trustedProxy(false))).toBe('10.0.0.2');
    expect(resolveClientAddress('::ffff:127.0.0.1', '1.2.3.4', trustedProxy(false))).toBe('127.0.0.1');
  });

  it('true: the leftmost hop (any client can forge it, hence unsafe on a public port)', () => {
    expect(resolveClientAddress('10.0.0.2', xff, trustedProxy(true))).toBe('203.0.113.9');
  });

  it('a list: the rightmost hop that is not a trusted proxy, so a forged left part cannot mint addresses', () => {
    const trust = trustedProxy(['10.0.0.0/8', '2001:db8::1']);
    expect(resolveClientAddress('10.0.0.2', xff, trust)).toBe('198.51.100.7');
    expect(resolveClientAddress('10.0.0.2', `${Math.random()}, 1.1.1.1, 198.51.100.7`, trust)).toBe('198.51.100.7');
    expect(resolveClientAddress('2001:db8::1', '198.51.100.8', trust)).toBe('198.51.100.8');
    // Not from a trusted proxy: its header is ignored.
    expect(resolveClientAddress('198.51.100.1', xff, trust)).toBe('198.51.100.1');
    // Every hop trusted: the leftmost.
    expect(resolveClientAddress('10.0.0.2', '10.1.1.1, 10.2.2.2', trust)).toBe('10.1.1.1');
    // No header from a trusted proxy: the proxy itself.
    expect(resolveClientAddress('10.0.0.2', undefined, trust)).toBe('10.0.0.2');
    // Garbage after a trusted hop: the last address a trusted party vouched for.
    expect(resolveClientAddress('10.0.0.2', 'evil, not-an-ip', trust)).toBe('10.0.0.2');
    // Repeated headers count as one list, in order.
    expect(resolveClientAddress('10.0.0.2', ['198.51.100.9', '10.0.0.7'], trust)).toBe('198.51.100.9');
  });
});

describe('sourceKey (THROTTLE_IPV6_PREFIX)', () => {
  it('keeps an IPv4 address as it is: each IPv4 address is one source', () => {
    expect(sourceKey('203.0.113.9', 64)).toBe('203.0.113.9');
    expect(sourceKey('203.0.113.10', 64)).toBe('203.0.113.10');
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address (RFC 4291 §2.5.5.2), dotted or hex, at any prefix', () => {
    for (const prefix of [0, 48, 64, 128]) {
      expect(sourceKey('::ffff:203.0.113.9', prefix)).toBe('203.0.113.9');
      expect(sourceKey('::FFFF:cb00:7109', prefix)).toBe('203.0.113.9');
    }
  });

  it('groups IPv6 per /64 by default, because one host is usually given a whole /64', () => {
    const key = '2001:db8:1:2::/64';
    expect(sourceKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64)).toBe(key);
    expect(sourceKey('2001:0DB8:0001:0002:0000:0000:0000:0001', 64)).toBe(key);
    expect(sourceKey('2001:db8:1:3::1', 64)).not.toBe(key);
    expect(sourceKey('fe80::1%eth0', 64)).toBe('fe80::/64');
    expect(sourceKey('::1', 64)).toBe('::/64');
  });

  it('groups per /48 when set so (a site allocation), and masks inside a group for prefixes that are not multiples of 16', () => {
    expect(sourceKey('2001:db8:1:2::1', 48)).toBe('2001:db8:1::/48');
    expect(sourceKey('2001:db8:1:ffff:1:2:3:4', 48)).toBe('2001:db8:1::/48');
    expect(sourceKey('2001:db8:2::1', 48)).toBe('2001:db8:2::/48');
    expect(sourceKey('2001:db8:1:2f::1', 60)).toBe('2001:db8:1:20::/60');
    expect(sourceKey('2001:db8::1', 0)).toBe('::/0');
  });

  it('at /128 counts each address alone, in one canonical RFC 5952 spelling so case and zeros cannot mint new keys', () => {
    expect(sourceKey('2001:0DB8:0000:0000:0000:0000:0000:0001', 128)).toBe('2001:db8::1');
    expect(sourceKey('2001:db8::2', 128)).toBe('2001:db8::2');
    // The first of two equally long zero runs is the one compressed; a single zero group is not.
    expect(sourceKey('2001:db8:0:0:1:0:0:1', 128)).toBe('2001:db8::1:0:0:1');
    expect(sourceKey('2001:db8:0:1:1:1:1:1', 128)).toBe('2001:db8:0:1:1:1:1:1');
    // An embedded IPv4 tail that is not IPv4-mapped (NAT64) is plain IPv6.
    expect(sourceKey('64:ff9b::192.0.2.1', 128)).toBe('64:ff9b::c000:201');
  });

  it('leaves anything that is not an address unchanged', () => {
    expect(sourceKey('', 64)).toBe('');
    expect(sourceKey('not-an-ip', 64)).toBe('not-an-ip');
  });
});

describe('clientAddress and sourceAddress on a server', () => {
  /** What the two functions give for a request to a server set up as applyHttpHardening does. */
  function addresses(remoteAddress: string, ipv6Prefix?: number, xff?: string): { throttled: string; full: string } {
    const server = {} as FastifyInstance;
    installClientAddress(server, trustedProxy(['10.0.0.0/8']), ipv6Prefix);
    const req = {
      server,
      raw: { socket: { remoteAddress } },
      headers: xff ? { 'x-forwarded-for': xff } : {},
    } as unknown as FastifyRequest;
    return { throttled: clientAddress(req), full: sourceAddress(req) };
  }

  it('throttles an IPv6 source by its prefix (64 unless installed otherwise) and keeps the full address for the access log', () => {
    expect(addresses('2001:db8:1:2::abcd')).toEqual({ throttled: '2001:db8:1:2::/64', full: '2001:db8:1:2::abcd' });
    expect(addresses('2001:db8:1:2::abcd', 48)).toEqual({ throttled: '2001:db8:1::/48', full: '2001:db8:1:2::abcd' });
    expect(addresses('2001:db8:1:2::abcd', 128)).toEqual({ throttled: '2001:db8:1:2::abcd', full: '2001:db8:1:2::abcd' });
    expect(addresses('::ffff:127.0.0.1', 48)).toEqual({ throttled: '127.0.0.1', full: '127.0.0.1' });
  });

  it('groups the forwarded address a trusted proxy names, and knows a proxy written as IPv4-mapped hex', () => {
    expect(addresses('10.0.0.2', 64, '2001:db8:9:9::1')).toEqual({ throttled: '2001:db8:9:9::/64', full: '2001:db8:9:9::1' });
    expect(addresses('10.0.0.2', 64, '198.51.100.7, ::ffff:a00:3')).toEqual({ throttled: '198.51.100.7', full: '198.51.100.7' });
  });
});
