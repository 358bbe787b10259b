import { freePort } from '@app/persistence';
import { SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { adminApi, adminToken, call, requestToken } from './support/admin-api';
import { fakeHttp, type FakeHttp, sendJson, signingKey, type SigningKey } from './support/assertions';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Dynamic client registration driven by a plain HTTP client that follows RFC 7591 (register) and RFC 7592 (read,
 * update, delete with the registration access token); software statements are signed by a local fake issuer.
 */
describe('dynamic client registration (RFC 7591, RFC 7592)', () => {
  let t: TestApp;
  let idp: FakeHttp;
  let key: SigningKey;
  let initial: string;
  let endpoint: string;
  const register = (body: unknown, token: string | null = initial) =>
    call(t, 'POST', '/oauth2/register', { token: token ?? undefined, body });

  beforeAll(async () => {
    key = await signingKey('ss-1', 'ES256');
    idp = await fakeHttp((path, _req, res) => {
      if (path === '/keys') sendJson(res, { keys: [key.publicJwk] });
      else {
        res.writeHead(404);
        res.end();
      }
    });
    const port = await freePort();
    t = await startTestApp({
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}/ms-auth-server`,
      REGISTRATION_ENABLED: 'true',
      REGISTRATION_ALLOWED_SCOPES: 'orders.read orders.write',
      REGISTRATION_ALLOWED_AUDIENCES: 'https://orders.example',
      REGISTRATION_MAX_ACCESS_TOKEN_TTL: '600',
    });
    endpoint = `${t.issuer}/oauth2/register`;
    const admin = adminApi(t, await adminToken(t));
    await admin.post('/admin/trusted-issuers', { issuer: idp.url, jwks_uri: `${idp.url}/keys`, signing_alg_values: ['ES256'] });
    // The registrar: a client whose tokens are initial access tokens (scope client.register, audience the endpoint).
    const registrar = await admin.post('/admin/clients', { client_id: 'registrar', scope: 'client.register', audience: [endpoint] });
    initial = (await requestToken(t, 'registrar', registrar.body.client_secret)).body.access_token as string;
    const noScope = await admin.post('/admin/clients', { client_id: 'no-scope', scope: 'other', audience: [endpoint] });
    noScopeToken = (await requestToken(t, 'no-scope', noScope.body.client_secret)).body.access_token as string;
  });
  let noScopeToken: string;
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  const statement = (claims: Record<string, unknown>, opts: { iss?: string; exp?: number; signer?: SigningKey } = {}) =>
    new SignJWT({ software_id: 'orders-agent', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'ss-1' })
      .setIssuer(opts.iss ?? idp.url)
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 600)
      .sign((opts.signer ?? key).privateKey);

  it('announces registration_endpoint in the metadata (RFC 8414 §2)', async () => {
    const meta = await call(t.origin, 'GET', '/.well-known/oauth-authorization-server/ms-auth-server');
    expect(meta.body.registration_endpoint).toBe(endpoint);
  });

  it('registers with an initial access token and answers per RFC 7591 §3.2.1; the new client gets tokens', async () => {
    const res = await register({
      client_name: 'Orders agent',
      scope: 'orders.read',
      audience: ['https://orders.example'],
      // Not understood by a client-credentials server: ignored (§2).
      redirect_uris: ['https://agent.example/cb'],
      logo_uri: 'https://agent.example/logo.png',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      client_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      client_id_issued_at: expect.any(Number),
      client_secret_expires_at: 0,
      registration_access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      registration_client_uri: `${endpoint}/${res.body.client_id}`,
      client_name: 'Orders agent',
      scope: 'orders.read',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      audience: ['https://orders.example'],
      // The server-wide ACCESS_TOKEN_TTL is above REGISTRATION_MAX_ACCESS_TOKEN_TTL, so the maximum is registered.
      access_token_ttl: 600,
    });
    const token = await requestToken(t, res.body.client_id, res.body.client_secret);
    expect(token.status).toBe(200);
    expect(token.body.expires_in).toBe(600);
  });

  it('serves openid-client: discovery, dynamicClientRegistration with the initial access token, then a token', async () => {
    const config = await oidc.dynamicClientRegistration(
      new URL(t.issuer),
      { client_name: 'openid-client agent', scope: 'orders.read', token_endpoint_auth_method: 'client_secret_basic' },
      // The registered method; the issued client_secret is taken from the registration response.
      oidc.ClientSecretBasic(),
      { initialAccessToken: initial, algorithm: 'oauth2', execute: [oidc.allowInsecureRequests] },
    );
    const metadata = config.clientMetadata();
    expect(metadata).toMatchObject({ client_name: 'openid-client agent', client_secret_expires_at: 0 });
    expect(metadata.registration_client_uri).toBe(`${endpoint}/${metadata.client_id}`);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders.read' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
  });

  it('refuses a missing, invalid or under-scoped initial access token (RFC 6750 §3)', async () => {
    const none = await register({ scope: 'orders.read' }, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(`Bearer realm="${endpoint}"`);
    const bad = await register({ scope: 'orders.read' }, 'not-a-token');
    expect([bad.status, bad.body.error]).toEqual([401, 'invalid_token']);
    // An admin token is for the admin API's audience, not for registration.
    const admin = await register({ scope: 'orders.read' }, await adminToken(t));
    expect([admin.status, admin.body.error]).toEqual([401, 'invalid_token']);
    const scope = await register({ scope: 'orders.read' }, noScopeToken);
    expect([scope.status, scope.body.error]).toEqual([403, 'insufficient_scope']);
  });

  it.each([
    ['a scope outside REGISTRATION_ALLOWED_SCOPES', { scope: 'admin' }, 'scope "admin" may not be registered here'],
    [
      'an audience outside the allowed ones',
      { audience: ['https://admin.example'] },
      'audience "https://admin.example" may not be registered here',
    ],
    [
      'an auth method the policy does not allow',
      { token_endpoint_auth_method: 'client_secret_post' },
      'token_endpoint_auth_method must be one of client_secret_basic, private_key_jwt',
    ],
    [
      'a grant type other than client_credentials',
      { grant_types: ['authorization_code'] },
      'grant_types: this server supports only client_credentials',
    ],
    ['a token lifetime above the maximum', { access_token_ttl: 3600 }, 'access_token_ttl must not exceed 600 seconds'],
    ['a field of the wrong type', { client_name: 5 }, 'client_name must be a name of 1 to 255 characters'],
  ])('answers invalid_client_metadata (§3.2.2) for %s', async (_, body, description) => {
    const res = await register(body);
    expect(res.status).toBe(400);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ error: 'invalid_client_metadata', error_description: description });
  });

  it('answers invalid_client_metadata for keys the client rules refuse, and for a body that is not JSON', async () => {
    const priv = await register({
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'x' }] },
    });
    expect([priv.status, priv.body.error]).toEqual([400, 'invalid_client_metadata']);
    const form = await call(t, 'POST', '/oauth2/register', {
      token: initial,
      body: 'scope=orders.read',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([form.status, form.body.error]).toEqual([400, 'invalid_client_metadata']);
  });

  it('takes a software statement of a trusted issuer, whose claims override the request (§2.3), and returns it unmodified', async () => {
    const jwt = await statement({ client_name: 'Signed name', scope: 'orders.write' });
    const res = await register({ client_name: 'Requested name', scope: 'orders.read', software_statement: jwt });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ client_name: 'Signed name', scope: 'orders.write', software_statement: jwt });
  });

  it.each([
    ['not a JWT', () => Promise.resolve('garbage'), 'invalid_software_statement'],
    ['expired', () => statement({}, { exp: Math.floor(Date.now() / 1000) - 3600 }), 'invalid_software_statement'],
    ['signed with another key', async () => statement({}, { signer: await signingKey('ss-1', 'ES256') }), 'invalid_software_statement'],
    ['with a metadata claim of the wrong type', () => statement({ scope: 5 }), 'invalid_software_statement'],
    ['from an issuer nobody trusts', () => statement({}, { iss: 'https://unknown.example' }), 'unapproved_software_statement'],
  ])('refuses a software statement %s (§3.2.2)', async (_, make, error) => {
    const res = await register({ scope: 'orders.read', software_statement: await make() });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(error);
  });

  it('manages the registration with its access token (RFC 7592): read, update (token rotated), delete', async () => {
    const created = (await register({ client_name: 'Managed', scope: 'orders.read' })).body;
    const uri = new URL(created.registration_client_uri).pathname.replace('/ms-auth-server', '');
    const first = created.registration_access_token as string;

    const read = await call(t, 'GET', uri, { token: first });
    expect(read.status).toBe(200);
    const { client_secret: _s, ...expected } = created;
    expect(read.body).toEqual(expected);

    const wrong = await call(t, 'GET', uri, { token: 'wrong-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_token');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer realm=".*", error="invalid_token"/);

    const mismatch = await call(t, 'PUT', uri, { token: first, body: { client_id: 'another', scope: 'orders.read' } });
    expect([mismatch.status, mismatch.body.error]).toEqual([400, 'invalid_client_metadata']);

    const put = await call(t, 'PUT', uri, { token: first, body: { client_id: created.client_id, scope: 'orders.read orders.write' } });
    expect(put.status).toBe(200);
    // A PUT replaces the whole registration: the name it left out is gone.
    expect(put.body).toMatchObject({ client_id: created.client_id, scope: 'orders.read orders.write' });
    expect(put.body.client_name).toBeUndefined();
    const second = put.body.registration_access_token as string;
    expect(second).not.toBe(first);
    expect((await call(t, 'GET', uri, { token: first })).status).toBe(401);
    expect((await call(t, 'GET', uri, { token: second })).status).toBe(200);

    const del = await call(t, 'DELETE', uri, { token: second });
    expect(del.status).toBe(204);
    expect((await call(t, 'GET', uri, { token: second })).status).toBe(401);
    expect((await requestToken(t, created.client_id, created.client_secret)).status).toBe(401);

    const audit = await t.db.query<{ actor: string; action: string; details: Record<string, unknown> }>(
      'SELECT actor, action, details FROM audit_log WHERE client_id = $1 ORDER BY id',
      [created.client_id],
    );
    expect(audit.map((a) => [a.actor, a.action, a.details.via])).toEqual([
      ['registrar', 'client.created', 'registration'],
      [`registration:${created.client_id}`, 'client.updated', 'registration'],
      [`registration:${created.client_id}`, 'client.deleted', 'registration'],
    ]);
    // Only the SHA-256 of registration access tokens is stored.
    expect(JSON.stringify(await t.db.query('SELECT * FROM oauth_client_registrations'))).not.toContain(second);
  });
});

describe('dynamic client registration when not enabled', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t?.close());

  it('has no endpoint and no registration_endpoint in the metadata', async () => {
    const res = await call(t, 'POST', '/oauth2/register', { body: { scope: 'x' } });
    expect(res.status).toBe(404);
    const meta = await call(t.origin, 'GET', '/.well-known/oauth-authorization-server/ms-auth-server');
    expect(meta.status).toBe(200);
    expect(meta.body.registration_endpoint).toBeUndefined();
  });
});

describe('open dynamic client registration (REGISTRATION_OPEN=true, never in production)', () => {
  let t: TestApp;
  beforeAll(
    async () => (t = await startTestApp({ REGISTRATION_ENABLED: 'true', REGISTRATION_OPEN: 'true', REGISTRATION_ALLOWED_SCOPES: 'x' })),
  );
  afterAll(() => t?.close());

  it('registers without an initial access token, audited as an open registration', async () => {
    const res = await call(t, 'POST', '/oauth2/register', { body: { scope: 'x' } });
    expect(res.status).toBe(201);
    const [row] = await t.db.query<{ actor: string; details: Record<string, unknown> }>(
      'SELECT actor, details FROM audit_log WHERE client_id = $1',
      [res.body.client_id],
    );
    expect(row).toMatchObject({ actor: 'registration:open', details: { via: 'registration' } });
    // A token that is sent must still be valid.
    expect((await call(t, 'POST', '/oauth2/register', { token: 'forged', body: { scope: 'x' } })).status).toBe(401);
  });
});
