import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

interface Line {
  msg?: string;
  reqId?: string;
  source?: string;
  [k: string]: unknown;
}

/**
 * One IPv6 host or LAN usually holds a whole /64, so failed client authentications from IPv6 sources are counted
 * per prefix (THROTTLE_IPV6_PREFIX); the access log still names the full address.
 */
describe('client-authentication throttle: IPv6 sources per prefix', () => {
  let t: TestApp;
  let n = 0;

  /** A wrong secret for a fresh client id, forwarded for `source` by the trusted proxy (this test, on loopback). */
  const guess = (source: string) =>
    postForm(`${t.baseUrl}/oauth2/token`, 'grant_type=client_credentials', {
      authorization: basic(`stranger-${++n}`, 'a-wrong-secret-of-thirty-two-chars!'),
      'x-forwarded-for': source,
      'x-request-id': `guess-${n}`,
    });

  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: '127.0.0.1', THROTTLE_SOURCE_BURST: '3', THROTTLE_SOURCE_PER_MINUTE: '1' });
  });
  afterAll(async () => t?.close());

  it('refuses a fresh address of a /64 that used up its failures with 429, while another /64 and IPv4 are still heard', async () => {
    for (const source of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff:ffff:ffff:ffff']) {
      expect((await guess(source)).status).toBe(401);
    }
    const sameHost = await guess('2001:db8:1:2::99');
    expect(sameHost.status).toBe(429);
    expect(sameHost.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await guess('2001:db8:1:3::1')).status).toBe(401);
    expect((await guess('::ffff:192.0.2.7')).status).toBe(401);

    // The access line is written as the response goes out: wait for the last one.
    const lines = (): Line[] => t.logs.map((l) => JSON.parse(l) as Line);
    for (let i = 0; i < 100 && !lines().some((l) => l.msg === 'request' && l.reqId === 'guess-6'); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // The security line names what was throttled; the access line keeps the address that sent the request.
    expect(lines().some((l) => l.msg?.includes('client_auth_throttled source=2001:db8:1:2::/64'))).toBe(true);
    expect(lines().find((l) => l.msg === 'request' && l.reqId === 'guess-4')?.source).toBe('2001:db8:1:2::99');
    expect(lines().find((l) => l.msg === 'request' && l.reqId === 'guess-6')?.source).toBe('192.0.2.7');
  });
});
