import { adminApi, adminToken } from './support/admin-api';
import { clientAssertion, fakeHttp, type FakeHttp, JWT_BEARER, sendJson, signingKey, type SigningKey } from './support/assertions';
import { postForm, startTestApp, type TestApp } from './support/test-app';

/*
 * What a client that controls its jwks_uri can make the server spend on one assertion: keys are bounded (at most
 * 20 per set, RSA 2048-4096 bits, e <= 2^32), a key the server cannot use is a refusal (401 invalid_client,
 * counted by the client-authentication throttle) and never a 500 with an error-level stack trace.
 * Default throttle settings: ten failures per client id and source, then 429.
 */
describe('the cost of checking an assertion against a fetched key set', () => {
  let t: TestApp;
  let keys: FakeHttp;
  let rsa: SigningKey;
  let thirty: SigningKey[];

  const register = async (clientId: string, path: string): Promise<void> => {
    const res = await adminApi(t, await adminToken(t)).post('/admin/clients', {
      client_id: clientId,
      scope: 'read',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: `${keys.url}${path}`,
    });
    expect(res.status).toBe(201);
  };
  const authenticate = async (key: SigningKey, clientId: string) =>
    postForm(`${t.baseUrl}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
      client_assertion: await clientAssertion(key, clientId, t.issuer, { kid: null }),
    });
  const errorLines = (): string[] => t.logs.filter((l) => /"level":(50|60)/.test(l));

  beforeAll(async () => {
    rsa = await signingKey('real', 'RS256');
    thirty = await Promise.all(Array.from({ length: 30 }, (_, i) => signingKey(`m${i}`, 'ES256')));
    keys = await fakeHttp((path, _req, res) => {
      if (path === '/junk') sendJson(res, { keys: [{ kty: 'RSA', n: 'AA' }] });
      else if (path === '/junk-and-real') sendJson(res, { keys: [{ kty: 'RSA', n: 'AA', kid: 'junk' }, rsa.publicJwk] });
      else if (path === '/thirty') sendJson(res, { keys: thirty.map((k) => k.publicJwk) });
      else {
        res.writeHead(404);
        res.end();
      }
    });
    t = await startTestApp({ JWKS_MIN_CACHE: '0', LOG_FORMAT: 'json' });
  });
  afterAll(async () => {
    await t?.close();
    await keys?.close();
  });

  it('refuses a fetched set of 30 keys as a whole: 401 invalid_client, the count in the log', async () => {
    await register('thirty-keys', '/thirty');
    const res = await authenticate(thirty[29], 'thirty-keys');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(t.logs.some((l) => l.includes(`${keys.url}/thirty`) && l.includes('30 keys, more than 20'))).toBe(true);
  });

  it('leaves an unusable key out of a fetched set and verifies with the usable one', async () => {
    await register('junk-and-real', '/junk-and-real');
    expect((await authenticate(rsa, 'junk-and-real')).status).toBe(200);
  });

  it('answers junk assertions against {"kty":"RSA","n":"AA"} with 401, then 429 once throttled, never 5xx, with no error-level log', async () => {
    await register('junk-keys', '/junk');
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await authenticate(rsa, 'junk-keys')).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(10).fill(429));
    expect(errorLines()).toEqual([]);
  });
});
