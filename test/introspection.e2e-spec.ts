import { Clock } from '@app/config';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { accessToken } from './support/admin-api';
import { insertClient, updateClientRow } from './support/clients';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

const SECRET = 'a-test-client-secret-long-enough';
const ORDERS = 'https://orders.example.com/';

function introspect(t: TestApp, callerId: string, form: Record<string, string> | undefined, query = '') {
  return postForm(`${t.baseUrl}/oauth2/introspect${query}`, form, { authorization: basic(callerId, SECRET) });
}

/** RFC 7662 introspection: every active and inactive case, client authentication, token scanning. */
describe('token introspection (RFC 7662)', () => {
  let t: TestApp;
  /** A second instance on the same database and keys, but another issuer and array-valued scope claims. */
  let other: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await insertClient(t, { clientId: 'svc-a', secret: SECRET, scopes: ['orders.read', 'orders.write'], audiences: [ORDERS] });
    await insertClient(t, { clientId: 'svc-b', secret: SECRET, scopes: ['stock.read'] });
    await insertClient(t, {
      clientId: 'svc-post',
      secret: SECRET,
      scopes: ['stock.read'],
      tokenEndpointAuthMethod: 'client_secret_post',
    });
    await insertClient(t, { clientId: 'svc-gone', secret: SECRET, scopes: ['stock.read'] });
    await insertClient(t, { clientId: 'resource-server', secret: SECRET });
    // The admin flag introspect_any (RFC 7662 §4): this resource server may introspect every client's tokens.
    await t.db.query(`UPDATE oauth_clients SET introspect_any = true WHERE client_id = 'resource-server'`);
    other = await startTestApp(
      {
        ISSUER: 'http://other-issuer.example/ms-auth-server',
        TOKEN_SCOPE_FORMAT: 'array',
        KEY_ENCRYPTION_KEYS: t.config.keys.encryptionKeys[0].toString('base64url'),
      },
      t.db,
    );
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  it('describes an active token to the client it was issued to, with no-store headers', async () => {
    const token = await accessToken(t, 'svc-a', SECRET, { scope: 'orders.read orders.write' });
    const claims = decodeJwt(token);
    const res = await introspect(t, 'svc-a', { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.body).toEqual({
      active: true,
      client_id: 'svc-a',
      scope: 'orders.read orders.write',
      token_type: 'Bearer',
      exp: claims.exp,
      iat: claims.iat,
      nbf: claims.iat,
      sub: 'svc-a',
      aud: ORDERS,
      iss: t.issuer,
      jti: claims.jti,
    });
    expect(claims.exp! - claims.iat!).toBe(14400);
  });

  it('describes any client’s token to a client granted introspect_any', async () => {
    const token = await accessToken(t, 'svc-a', SECRET, { scope: 'orders.read' });
    const res = await introspect(t, 'resource-server', { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ active: true, client_id: 'svc-a', sub: 'svc-a', scope: 'orders.read', aud: ORDERS });
  });

  it('answers {active:false} to another client without introspect_any, against token scanning (§4)', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const res = await introspect(t, 'svc-b', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
  });

  it('accepts client_secret_post from a client registered for it', async () => {
    const token = await accessToken(t, 'svc-b', SECRET);
    const mine = await postForm(`${t.baseUrl}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: 'svc-post',
      client_secret: SECRET,
    });
    expect(mine.status).toBe(200);
    const own = await postForm(`${t.baseUrl}/oauth2/introspect`, {
      token: mine.body.access_token as string,
      client_id: 'svc-post',
      client_secret: SECRET,
    });
    expect(own.body).toMatchObject({ active: true, client_id: 'svc-post', scope: 'stock.read' });
    const foreign = await postForm(`${t.baseUrl}/oauth2/introspect`, { token, client_id: 'svc-post', client_secret: SECRET });
    expect(foreign.body).toEqual({ active: false });
  });

  it('ignores token_type_hint, whatever its value (§2.1)', async () => {
    const token = await accessToken(t, 'svc-b', SECRET);
    for (const hint of ['access_token', 'refresh_token', 'something_else']) {
      const res = await introspect(t, 'svc-b', { token, token_type_hint: hint });
      expect(res.body).toMatchObject({ active: true, client_id: 'svc-b' });
    }
  });

  it.each([
    ['no authentication', {}],
    ['a wrong secret', { authorization: basic('svc-a', 'wrong-secret') }],
    ['an unknown client', { authorization: basic('nobody', SECRET) }],
  ])('refuses %s with 401 invalid_client', async (_, headers: Record<string, string>) => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const res = await postForm(`${t.baseUrl}/oauth2/introspect`, { token }, headers);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
    expect(res.headers.get('www-authenticate')).toBe(`Basic realm="${t.issuer}"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('requires the token parameter in the form body: 400 invalid_request without it', async () => {
    const res = await introspect(t, 'svc-a', { token_type_hint: 'access_token' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'Missing token parameter (RFC 7662 §2.1)' });
  });

  it('does not read the token from the query string', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const res = await introspect(t, 'svc-a', undefined, `?token=${encodeURIComponent(token)}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a repeated token parameter', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const twice = await postForm(`${t.baseUrl}/oauth2/introspect`, `token=${token}&token=${token}`, {
      authorization: basic('svc-a', SECRET),
    });
    expect(twice.status).toBe(400);
    expect(twice.body).toEqual({ error: 'invalid_request', error_description: 'Parameter token must not be repeated' });
  });

  it('answers GET with 405', async () => {
    const res = await fetch(`${t.baseUrl}/oauth2/introspect`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  describe('inactive tokens are {active:false}, never an error', () => {
    const inactive = async (token: string, caller = 'resource-server') => {
      const res = await introspect(t, caller, { token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ active: false });
    };

    it('garbage', async () => {
      await inactive('not-a-jwt');
      await inactive('a.b.c');
      await inactive('x'.repeat(9000));
    });

    it('a tampered signature', async () => {
      const token = await accessToken(t, 'svc-a', SECRET);
      const [h, p, s] = token.split('.');
      await inactive(`${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`);
    });

    it('tampered claims under the original signature', async () => {
      const token = await accessToken(t, 'svc-b', SECRET);
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'admin' })).toString('base64url');
      await inactive(`${h}.${forged}.${s}`, 'svc-b');
    });

    it('a token signed by another key under our kid', async () => {
      const real = await accessToken(t, 'svc-a', SECRET);
      const { kid } = decodeProtectedHeader(real);
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT({ ...decodeJwt(real) }).setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' }).sign(privateKey);
      await inactive(forged);
    });

    it('an expired token', async () => {
      const clock = t.app.get(Clock);
      const now = clock.nowSeconds();
      // Issued 14400 s + 1 h ago: its exp is an hour in the past.
      const spy = jest.spyOn(clock, 'nowSeconds').mockReturnValue(now - 14400 - 3600);
      let token: string;
      try {
        token = await accessToken(t, 'svc-a', SECRET);
      } finally {
        spy.mockRestore();
      }
      expect(decodeJwt(token).exp).toBeLessThan(now);
      await inactive(token, 'svc-a');
      await inactive(token);
    });

    it('a revoked token', async () => {
      const token = await accessToken(t, 'svc-a', SECRET);
      const res = await postForm(`${t.baseUrl}/oauth2/revoke`, { token }, { authorization: basic('svc-a', SECRET) });
      expect(res.status).toBe(200);
      await inactive(token, 'svc-a');
      await inactive(token);
    });

    it('a token of a client that was disabled since', async () => {
      const token = await accessToken(t, 'svc-gone', SECRET);
      await updateClientRow(t, 'svc-gone', 'enabled = false');
      await inactive(token);
    });

    it('a token of another issuer, even one signed with the same key', async () => {
      const token = await accessToken(other, 'svc-a', SECRET);
      expect(decodeJwt(token).iss).toBe('http://other-issuer.example/ms-auth-server');
      expect(decodeProtectedHeader(token).kid).toBe(decodeProtectedHeader(await accessToken(t, 'svc-a', SECRET)).kid);
      await inactive(token, 'svc-a');
      await inactive(token);
    });
  });

  it('reports scope as a space-delimited string when the token carries it as a JSON array (TOKEN_SCOPE_FORMAT=array)', async () => {
    const token = await accessToken(other, 'svc-a', SECRET, { scope: 'orders.read orders.write' });
    expect(decodeJwt(token).scope).toEqual(['orders.read', 'orders.write']);
    const res = await introspect(other, 'svc-a', { token });
    expect(res.body).toMatchObject({ active: true, scope: 'orders.read orders.write', iss: 'http://other-issuer.example/ms-auth-server' });
  });
});
