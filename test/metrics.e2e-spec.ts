import { MetricsListener } from '@app/observability';
import { basic, postForm, startTestApp, type TestApp, ADMIN_ID, ADMIN_SECRET } from './support/test-app';

const PLAYGROUND = basic('service-client-jwt', 'service-client-jwt-secret');

/** Sample values of a Prometheus text exposition, keyed by `name{labels}` as written. */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    samples.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return samples;
}

const ISSUED = 'oauth_tokens_issued_total{grant_type="client_credentials"}';
const REFUSED_CLIENT = 'oauth_tokens_refused_total{grant_type="client_credentials",error="invalid_client"}';
const REFUSED_SCOPE = 'oauth_tokens_refused_total{grant_type="client_credentials",error="invalid_scope"}';
const REFUSED_GRANT = 'oauth_tokens_refused_total{grant_type="other",error="unsupported_grant_type"}';
const LATENCY_COUNT = 'oauth_token_request_duration_seconds_count';

describe('metrics (development: {BASE}/metrics and METRICS_PORT)', () => {
  let t: TestApp;
  let metricsUrl: string;
  let tokenUrl: string;

  beforeAll(async () => {
    t = await startTestApp({ METRICS_PORT: '0' });
    tokenUrl = `${t.baseUrl}/oauth2/token`;
    metricsUrl = `${t.baseUrl}/metrics`;
  });
  afterAll(() => t.close());

  it('moves the token counters and the latency histogram by exactly the requests made', async () => {
    const before = await scrape(metricsUrl);
    const seed = `${tokenUrl}?grant_type=client_credentials&scope=customer.read%20customer.write%20country.read`;
    for (let i = 0; i < 3; i++) expect((await postForm(seed, undefined, { authorization: PLAYGROUND })).status).toBe(200);
    expect((await postForm(seed, undefined, { authorization: basic('service-client-jwt', 'wrong') })).status).toBe(401);
    expect((await postForm(tokenUrl, { grant_type: 'client_credentials', scope: 'nope' }, { authorization: PLAYGROUND })).status).toBe(400);
    expect((await postForm(tokenUrl, { grant_type: 'password' }, { authorization: PLAYGROUND })).status).toBe(400);
    // Not the token endpoint: counted nowhere in the token series.
    expect((await fetch(`${t.baseUrl}/oauth2/jwks`)).status).toBe(200);
    const after = await scrape(metricsUrl);

    const delta = (k: string): number => (after.get(k) ?? 0) - (before.get(k) ?? 0);
    expect(delta(ISSUED)).toBe(3);
    expect(delta(REFUSED_CLIENT)).toBe(1);
    expect(delta(REFUSED_SCOPE)).toBe(1);
    expect(delta(REFUSED_GRANT)).toBe(1);
    expect(delta(LATENCY_COUNT)).toBe(6);
    expect(delta('oauth_token_request_duration_seconds_bucket{le="+Inf"}')).toBe(6);
    expect(delta('oauth_token_request_duration_seconds_sum')).toBeGreaterThan(0);
    // Never a per-client label.
    for (const key of after.keys()) expect(key).not.toMatch(/client_id|service-client-jwt/);
  });

  it('reads the client cache, hashing queue, change feed, pool and signing key at scrape time', async () => {
    const before = await scrape(metricsUrl);
    expect((await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: PLAYGROUND })).status).toBe(200);
    expect((await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('unknown-client', 'x') })).status).toBe(
      401,
    );
    const after = await scrape(metricsUrl);
    expect(after.get('auth_client_cache_hits_total')! - before.get('auth_client_cache_hits_total')!).toBe(1);
    // An id never registered is refused by the id filter: no directory lookup, so no miss either.
    expect(after.get('auth_client_cache_misses_total')! - before.get('auth_client_cache_misses_total')!).toBe(0);
    expect(after.get('auth_client_cache_size')).toBeGreaterThanOrEqual(1);
    expect(after.get('auth_secret_hash_queue_depth')).toBe(0);
    expect(after.get('auth_change_feed_lag_seconds')).toBeLessThan(30);
    expect(after.get('auth_db_pool_connections_in_use')).toBeGreaterThanOrEqual(0);
    expect(after.get('auth_db_pool_requests_waiting')).toBe(0);
    expect(after.get('auth_signing_key_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(after.get('auth_throttled_requests_total')).toBe(0);
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
    expect(after.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('serves the same registry on the separate METRICS_PORT listener', async () => {
    const port = t.app.get(MetricsListener).port();
    expect(port).toBeGreaterThan(0);
    const samples = await scrape(`http://127.0.0.1:${port}/metrics`);
    expect(samples.get(ISSUED)).toBeGreaterThanOrEqual(3);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });
});

describe('metrics in production', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production', ISSUER: 'https://auth.example.com/ms-auth-server', METRICS_PORT: '0' });
  });
  afterAll(() => t.close());

  it('are not on the public listener, only on METRICS_PORT', async () => {
    expect((await fetch(`${t.baseUrl}/metrics`)).status).toBe(404);
    const port = t.app.get(MetricsListener).port()!;
    const ok = await postForm(
      `${t.baseUrl}/oauth2/token`,
      { grant_type: 'client_credentials', scope: 'admin' },
      { authorization: basic(ADMIN_ID, ADMIN_SECRET) },
    );
    expect(ok.status).toBe(200);
    expect((await scrape(`http://127.0.0.1:${port}/metrics`)).get(ISSUED)).toBe(1);
  });
});

describe('metrics listener address (no authentication, so not on every interface)', () => {
  // 127.0.0.2 is loopback too, but only a listener on all interfaces accepts it: one bound to 127.0.0.1 does not.
  it.each([
    ['loopback by default, even with HOST=0.0.0.0', {}, false],
    ['every interface when METRICS_HOST=0.0.0.0 says so', { METRICS_HOST: '0.0.0.0' }, true],
  ])('binds %s', async (_, env, reachable) => {
    const t = await startTestApp({ NODE_ENV: 'production', ISSUER: 'https://auth.example.com/ms-auth-server', METRICS_PORT: '0', ...env });
    try {
      expect(t.config.host).toBe('0.0.0.0');
      const port = t.app.get(MetricsListener).port()!;
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
      const other = await fetch(`http://127.0.0.2:${port}/metrics`).then(
        (r) => r.status,
        (e: Error & { cause?: { code?: string } }) => e.cause?.code,
      );
      expect(other).toBe(reachable ? 200 : 'ECONNREFUSED');
    } finally {
      await t.close();
    }
  });
});

describe('METRICS_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_ENABLED: 'false', METRICS_PORT: '0' });
  });
  afterAll(() => t.close());

  it('serves no metrics anywhere and still issues tokens', async () => {
    expect((await fetch(`${t.baseUrl}/metrics`)).status).toBe(404);
    expect(() => t.app.get(MetricsListener)).toThrow();
    expect((await postForm(`${t.baseUrl}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: PLAYGROUND })).status).toBe(
      200,
    );
  });
});
