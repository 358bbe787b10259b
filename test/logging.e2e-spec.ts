import { basic, postForm, startTestApp, type TestApp, ADMIN_SECRET } from './support/test-app';

const SECRET = 'service-client-jwt-secret';
const PLAYGROUND = basic('service-client-jwt', SECRET);

interface Line {
  level: number;
  msg?: string;
  reqId?: string;
  method?: string;
  route?: string;
  status?: number;
  time?: number;
  responseTimeUs?: number;
  client?: string;
  [k: string]: unknown;
}

describe('structured logs', () => {
  let t: TestApp;
  let tokenUrl: string;
  const lines = (): Line[] => t.logs.map((l) => JSON.parse(l) as Line);
  const accessLine = (reqId: string): Line | undefined => lines().find((l) => l.msg === 'request' && l.reqId === reqId);

  beforeAll(async () => {
    t = await startTestApp();
    tokenUrl = `${t.baseUrl}/oauth2/token`;
  });
  afterAll(() => t.close());

  it('writes one JSON access line per request with the caller’s X-Request-Id, route, status, duration and client', async () => {
    const res = await postForm(`${tokenUrl}?grant_type=client_credentials&scope=customer.read`, undefined, {
      authorization: PLAYGROUND,
      'x-request-id': 'trace-4711.abc',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('trace-4711.abc');
    await waitFor(() => accessLine('trace-4711.abc'));
    const matching = lines().filter((l) => l.reqId === 'trace-4711.abc' && l.msg === 'request');
    expect(matching).toHaveLength(1);
    expect(matching[0]).toMatchObject({
      level: 30,
      method: 'POST',
      route: '/ms-auth-server/oauth2/token',
      status: 200,
      client: 'service-client-jwt',
      // clientAddress(): the socket peer, as TRUST_PROXY is off.
      source: '127.0.0.1',
    });
    // Duration in whole microseconds; time in epoch milliseconds, as pino's default.
    expect(Number.isInteger(matching[0].responseTimeUs)).toBe(true);
    expect(matching[0].responseTimeUs).toBeGreaterThan(0);
    expect(Number.isInteger(matching[0].time)).toBe(true);
    expect(Math.abs(matching[0].time! - Date.now())).toBeLessThan(60_000);
  });

  it('generates a request id when none or a malformed one is sent, and echoes it', async () => {
    const none = await fetch(`${t.baseUrl}/oauth2/jwks`);
    const generated = none.headers.get('x-request-id')!;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(() => accessLine(generated));
    expect(accessLine(generated)).toMatchObject({ method: 'GET', route: '/ms-auth-server/oauth2/jwks', status: 200 });
    expect(accessLine(generated)!.client).toBeUndefined();

    const hostile = 'x"} injected\nline';
    const res = await fetch(`${t.baseUrl}/oauth2/jwks`, {
      headers: { 'x-request-id': encodeURIComponent(hostile) + ' ' + 'a'.repeat(200) },
    });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs no secret, token, Authorization value, cookie, body or query string anywhere', async () => {
    const wrong = 'wrong-secret-never-logged-0123456789';
    const ok = await postForm(`${tokenUrl}?grant_type=client_credentials&scope=customer.read`, undefined, {
      authorization: PLAYGROUND,
      cookie: 'session=cookie-value-never-logged',
      'x-request-id': 'no-secrets-1',
    });
    expect(ok.status).toBe(200);
    const posted = await postForm(
      tokenUrl,
      { grant_type: 'client_credentials', client_id: 'service-client-jwt', client_secret: wrong },
      { 'x-request-id': 'no-secrets-2' },
    );
    expect(posted.status).toBe(401);
    const broken = await postForm(tokenUrl, 'grant_type=client_credentials&client_secret=' + wrong, {
      authorization: basic('a', wrong),
      'x-request-id': 'no-secrets-3',
    });
    expect(broken.status).toBe(400);
    await waitFor(() => accessLine('no-secrets-3'));
    expect(accessLine('no-secrets-2')).toMatchObject({ status: 401, route: '/ms-auth-server/oauth2/token' });

    const all = t.logs.join('\n');
    for (const forbidden of [
      SECRET,
      wrong,
      ADMIN_SECRET,
      PLAYGROUND,
      PLAYGROUND.slice('Basic '.length),
      ok.body.access_token as string,
      (ok.body.access_token as string).split('.')[1],
      'cookie-value-never-logged',
      'grant_type=',
      'scope=customer',
      '?grant_type',
      // No header (no Authorization, no Cookie) is written in any form.
      '"authorization"',
      '"cookie"',
      '"headers"',
      'Basic ',
    ]) {
      expect(all).not.toContain(forbidden);
    }
  });

  it('prints a start-up summary instead of one line per mapped route', () => {
    expect(t.logs.some((l) => /Mapped \{/.test(l) && JSON.parse(l).level >= 30)).toBe(false);
    expect(t.logs.some((l) => /dependencies initialized/.test(l) && JSON.parse(l).level >= 30)).toBe(false);
  });
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
