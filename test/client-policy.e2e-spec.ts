import { decodeJwt } from 'jose';
import { requestToken } from './support/admin-api';
import { insertClient } from './support/clients';
import { startTestApp, type TestApp } from './support/test-app';

const SECRET = 'a-test-client-secret-long-enough';

/** Per-client policy: token lifetime and allowed grant types. */
describe('per-client policy', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ACCESS_TOKEN_TTL: '1200', MAX_ACCESS_TOKEN_TTL: '3600' });
    await insertClient(t, { clientId: 'short', secret: SECRET, scopes: ['x'], accessTokenTtl: 600 });
    await insertClient(t, { clientId: 'default-ttl', secret: SECRET, scopes: ['x'] });
    // Stored above the cap (e.g. registered before MAX_ACCESS_TOKEN_TTL was lowered).
    await insertClient(t, { clientId: 'long', secret: SECRET, scopes: ['x'], accessTokenTtl: 100000 });
    await insertClient(t, {
      clientId: 'jwt-bearer-only',
      secret: SECRET,
      scopes: ['x'],
      grantTypes: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
    });
    await insertClient(t, { clientId: 'no-grants', secret: SECRET, scopes: ['x'], grantTypes: [] });
  });
  afterAll(async () => {
    await t?.close();
  });

  const token = (clientId: string) => requestToken(t, clientId, SECRET);

  it.each([
    ['the client’s own TTL', 'short', 600],
    ['ACCESS_TOKEN_TTL when the client has none', 'default-ttl', 1200],
    ['MAX_ACCESS_TOKEN_TTL when the client’s TTL exceeds it', 'long', 3600],
  ])('issues tokens with %s', async (_, clientId, ttl) => {
    const res = await token(clientId);
    expect(res.status).toBe(200);
    expect(res.body.expires_in).toBe(ttl);
    const claims = decodeJwt(res.body.access_token as string);
    expect(claims.exp! - claims.iat!).toBe(ttl);
  });

  it.each([
    ['lacks client_credentials', 'jwt-bearer-only'],
    ['is empty', 'no-grants'],
  ])('refuses a client whose grant_types %s with 400 unauthorized_client', async (_, clientId) => {
    const res = await token(clientId);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'unauthorized_client',
      error_description: 'The client is not allowed to use the client_credentials grant',
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
