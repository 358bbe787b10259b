import { resolveClientAddress, trustedProxy } from './client-address';

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
