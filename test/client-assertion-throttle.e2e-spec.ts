import { adminApi, adminToken } from './support/admin-api';
import { clientAssertion, JWT_BEARER, signingKey, type SigningKey } from './support/assertions';
import { postForm, startTestApp, type TestApp } from './support/test-app';

/** Failed assertions count like failed secrets (THROTTLE_*); valid ones are never throttled, however many at once. */
describe('client assertions: throttling', () => {
  let t: TestApp;
  let key: SigningKey;

  const send = async (clientId: string, aud?: string) =>
    postForm(`${t.baseUrl}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
      client_assertion: await clientAssertion(key, clientId, t.issuer, aud ? { aud } : {}),
    });

  beforeAll(async () => {
    t = await startTestApp({ THROTTLE_CLIENT_BURST: '3', THROTTLE_CLIENT_PER_MINUTE: '1' });
    key = await signingKey('t1');
    const api = adminApi(t, await adminToken(t));
    for (const id of ['busy', 'guessed']) {
      const res = await api.post('/admin/clients', {
        client_id: id,
        scope: 'a',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [key.publicJwk] },
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  it('answers 429 with Retry-After to failures past THROTTLE_CLIENT_BURST, yet still serves a valid assertion from there', async () => {
    for (let i = 0; i < 3; i++) expect((await send('guessed', 'https://wrong.example.com')).status).toBe(401);
    const res = await send('guessed', 'https://wrong.example.com');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(t.logs.some((l) => l.includes('client_auth_throttled') && l.includes('guessed'))).toBe(true);
    // Checking a known client's signature is cheap: strangers' junk from the same address never locks it out.
    expect((await send('guessed')).status).toBe(200);
  });

  it('never throttles valid assertions of a client, even many at once', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => send('busy')));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
  });
});
