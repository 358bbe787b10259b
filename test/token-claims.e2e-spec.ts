import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { adminApi, adminToken, requestToken } from './support/admin-api';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * Static claims per client: resource servers read the tenant, team or environment from the token instead of looking
 * the caller up by client_id. Reserved claims stay the server's, the size is bounded, and a change shows in the very
 * next token even with token reuse on.
 */
describe('static token claims', () => {
  let t: TestApp;
  let admin: ReturnType<typeof adminApi>;

  beforeAll(async () => {
    t = await startTestApp({ TOKEN_REUSE_SECONDS: '60', TOKEN_CLAIMS_MAX_BYTES: '256' });
    admin = adminApi(t, await adminToken(t));
  });
  afterAll(() => t?.close());

  const create = async (body: Record<string, unknown>): Promise<{ id: string; secret: string }> => {
    const res = await admin.post('/admin/clients', { scope: 'orders.read', ...body });
    expect(res.status).toBe(201);
    return { id: res.body.client_id, secret: res.body.client_secret };
  };
  const tokenOf = async (c: { id: string; secret: string }) => {
    const res = await requestToken(t, c.id, c.secret);
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  };

  it('every access token of the client carries its claims, signed with the server key', async () => {
    const claims = { tenant: 'acme', team: 'payments', env: 'prod', limits: { rps: 50 }, regions: ['eu', 'us'] };
    const c = await create({ token_claims: claims });
    const token = await tokenOf(c);
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${t.baseUrl}/oauth2/jwks`)), {
      issuer: t.issuer,
      typ: 'at+jwt',
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ ...claims, sub: c.id, client_id: c.id, scope: 'orders.read' });
    expect((await admin.get(`/admin/clients/${c.id}`)).body.token_claims).toEqual(claims);
  });

  it('refuses each reserved claim with 400 invalid_client_metadata naming it', async () => {
    for (const name of ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'client_id', 'scope', 'cnf', 'act', 'may_act']) {
      const res = await admin.post('/admin/clients', { scope: 'orders.read', token_claims: { tenant: 'acme', [name]: 'x' } });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_client_metadata');
      expect(res.body.details).toEqual([{ field: `token_claims.${name}`, message: expect.stringMatching(/reserved claim/) }]);
    }
  });

  it('refuses claims larger than TOKEN_CLAIMS_MAX_BYTES and anything but a JSON object', async () => {
    const big = await admin.post('/admin/clients', { scope: 'orders.read', token_claims: { blob: 'x'.repeat(300) } });
    expect(big.status).toBe(400);
    expect(big.body.details).toEqual([{ field: 'token_claims', message: expect.stringMatching(/at most 256 bytes/) }]);
    const list = await admin.post('/admin/clients', { scope: 'orders.read', token_claims: ['tenant'] });
    expect(list.status).toBe(400);
    expect(list.body.details[0].field).toBe('token_claims');
  });

  it('names the field of a malformed token_exchange policy or claim mapping instead of failing (400, never 5xx)', async () => {
    const policy = await admin.post('/admin/clients', { scope: 'orders.read', token_exchange: { audiences: [] } });
    expect(policy.status).toBe(400);
    expect(policy.body.details.map((d: { field: string }) => d.field)).toEqual(['token_exchange.audiences', 'token_exchange.scopes']);
    const mapping = await admin.post('/admin/clients', {
      scope: 'orders.read',
      token_endpoint_auth_method: 'private_key_jwt',
      federated_credentials: [{ issuer: 'https://idp.example.com', subject: 's', claim_mappings: 'repository' }],
    });
    expect(mapping.status).toBe(400);
    expect(mapping.body.details[0].field).toBe('federated_credentials.0.claim_mappings');
  });

  it('a change of claims shows in the next token, although an identical request would reuse the last one', async () => {
    const c = await create({ token_claims: { tenant: 'acme' } });
    const first = await tokenOf(c);
    expect(await tokenOf(c)).toBe(first);
    expect((await admin.patch(`/admin/clients/${c.id}`, { token_claims: { tenant: 'globex' } })).status).toBe(200);
    const changed = await tokenOf(c);
    expect(decodeJwt(changed).tenant).toBe('globex');
    expect((await admin.patch(`/admin/clients/${c.id}`, { token_claims: null })).status).toBe(200);
    const cleared = decodeJwt(await tokenOf(c));
    expect(cleared.tenant).toBeUndefined();
    expect((await admin.get(`/admin/clients/${c.id}`)).body.token_claims).toBeUndefined();
  });

  it('a patch with a reserved claim changes nothing', async () => {
    const c = await create({ token_claims: { tenant: 'acme' } });
    const res = await admin.patch(`/admin/clients/${c.id}`, { token_claims: { sub: 'someone-else' } });
    expect(res.status).toBe(400);
    expect(res.body.details[0].field).toBe('token_claims.sub');
    const payload = decodeJwt(await tokenOf(c));
    expect(payload.sub).toBe(c.id);
    expect(payload.tenant).toBe('acme');
  });
});
