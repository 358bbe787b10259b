import { generateKeyPair, SignJWT } from 'jose';
import { accessToken, adminApi, adminToken, call, requestToken } from './support/admin-api';
import { basic, startTestApp, type TestApp } from './support/test-app';

/** Every admin route, with a body where it takes one. */
const ROUTES: [string, string, unknown][] = [
  ['GET', '/admin/clients', undefined],
  ['POST', '/admin/clients', { scope: 'a' }],
  ['GET', '/admin/clients/service-client-jwt', undefined],
  ['PATCH', '/admin/clients/service-client-jwt', { enabled: false }],
  ['DELETE', '/admin/clients/service-client-jwt', undefined],
  ['POST', '/admin/clients/service-client-jwt/secret', { grace_seconds: 1 }],
  ['GET', '/admin/audit', undefined],
  ['GET', '/admin/keys', undefined],
  ['POST', '/admin/keys/rotate', undefined],
];

const INVALID = 'The access token is invalid, expired or revoked';

describe('admin API: bearer token protection', () => {
  let t: TestApp;
  let admin: ReturnType<typeof adminApi>;
  let realm: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = adminApi(t, await adminToken(t));
    realm = t.config.admin.audience;
    expect(realm).toBe(`${t.issuer}/admin`);
  });
  afterAll(async () => {
    await t?.close();
  });

  function expectInvalidToken(res: { status: number; headers: Headers; body: unknown }): void {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${realm}", error="invalid_token", error_description="${INVALID}"`);
    expect(res.body).toEqual({ error: 'invalid_token', error_description: INVALID });
  }

  /** A client registered through the API, and a token of it. */
  async function clientWithToken(id: string, metadata: Record<string, unknown>, form?: Record<string, string>) {
    const created = await admin.post('/admin/clients', { client_id: id, ...metadata });
    expect(created.status).toBe(201);
    return { secret: created.body.client_secret as string, token: await accessToken(t, id, created.body.client_secret as string, form) };
  }

  it.each(ROUTES)('%s %s without a token: 401 with a bare Bearer challenge, and nothing happens', async (method, path, body) => {
    const res = await call(t, method, path, { body });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${realm}"`);
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'A bearer access token is required' });
    expect((await admin.get('/admin/clients/service-client-jwt')).body.enabled).toBe(true);
  });

  it.each(ROUTES)('%s %s with a malformed token: 401 invalid_token', async (method, path, body) => {
    expectInvalidToken(await call(t, method, path, { body, token: 'not.a.jwt' }));
  });

  it('refuses other kinds of Authorization header', async () => {
    for (const authorization of [basic('test-admin', 'x'), 'Bearer', 'Bearer a b', `Bearer ${'A'.repeat(10000)}`]) {
      const res = await call(t, 'GET', '/admin/clients', { headers: { authorization } });
      expect([authorization.slice(0, 20), res.status, res.body.error]).toEqual([authorization.slice(0, 20), 401, 'invalid_token']);
    }
  });

  it('refuses a token signed by anyone but this server', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ client_id: 'test-admin', scope: 'admin' })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'forged' })
      .setIssuer(t.issuer)
      .setSubject('test-admin')
      .setAudience(realm)
      .setJti('forged-1')
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(privateKey);
    expectInvalidToken(await call(t, 'GET', '/admin/clients', { token: forged }));
  });

  it('answers 403 insufficient_scope to a token for the admin API without the admin scope', async () => {
    const { token } = await clientWithToken('reader', { scope: 'clients.read', audience: [realm] });
    for (const [method, path, body] of ROUTES) {
      const res = await call(t, method, path, { body, token });
      expect([method, path, res.status]).toEqual([method, path, 403]);
      const description = 'The access token lacks the required scope "admin"';
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer realm="${realm}", error="insufficient_scope", error_description="The access token lacks the required scope admin", scope="admin"`,
      );
      expect(res.body).toEqual({ error: 'insufficient_scope', error_description: description });
    }
  });

  it('refuses an admin-scoped token minted for another audience', async () => {
    const { secret, token } = await clientWithToken('other-api-admin', { scope: 'admin', audience: ['https://other.example', realm] });
    expectInvalidToken(await call(t, 'GET', '/admin/clients', { token }));
    // The same client, asking for the admin API as its resource (RFC 8707), gets in.
    const forAdmin = await accessToken(t, 'other-api-admin', secret, { resource: realm });
    expect((await call(t, 'GET', '/admin/clients', { token: forAdmin })).status).toBe(200);
  });

  it('refuses an expired token', async () => {
    const { token } = await clientWithToken('brief-admin', { scope: 'admin', audience: [realm], access_token_ttl: 1 });
    expect((await call(t, 'GET', '/admin/audit', { token })).status).toBe(200);
    t.clock.advance(2100);
    expectInvalidToken(await call(t, 'GET', '/admin/audit', { token }));
  });

  it('refuses the token of an admin client disabled since, also once re-enabled (the disable cut off its tokens)', async () => {
    const { token } = await clientWithToken('second-admin', { scope: 'admin', audience: [realm] });
    expect((await call(t, 'GET', '/admin/clients', { token })).status).toBe(200);
    expect((await admin.patch('/admin/clients/second-admin', { enabled: false })).status).toBe(200);
    expectInvalidToken(await call(t, 'GET', '/admin/clients', { token }));
    expect((await requestToken(t, 'second-admin', 'whatever')).status).toBe(401);
    expect((await admin.patch('/admin/clients/second-admin', { enabled: true })).status).toBe(200);
    expectInvalidToken(await call(t, 'GET', '/admin/clients', { token }));
  });

  it('refuses the token of a deleted admin client', async () => {
    const { token } = await clientWithToken('doomed-admin', { scope: 'admin', audience: [realm] });
    expect((await call(t, 'GET', '/admin/clients', { token })).status).toBe(200);
    expect((await admin.delete('/admin/clients/doomed-admin')).status).toBe(204);
    expectInvalidToken(await call(t, 'GET', '/admin/clients', { token }));
  });

  it('records the admin token holder as the actor of a change', async () => {
    const { token } = await clientWithToken('acting-admin', { scope: 'admin', audience: [realm] });
    expect((await call(t, 'POST', '/admin/clients', { token, body: { client_id: 'made-by-second', scope: 'a' } })).status).toBe(201);
    const [row] = await t.db.query<{ actor: string }>(`SELECT actor FROM audit_log WHERE client_id = 'made-by-second'`);
    expect(row.actor).toBe('acting-admin');
  });
});
