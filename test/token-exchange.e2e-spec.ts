import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { adminApi, adminToken, requestToken } from './support/admin-api';
import { fakeHttp, type FakeHttp, sendJson, signingKey, type SigningKey } from './support/assertions';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';

/*
 * RFC 8693 token exchange for delegation between services: a service that received a token gets one for the next
 * hop, narrowed to that hop's audience and scopes, still naming on whose behalf it acts (act, nested for chains).
 */
describe('token exchange (RFC 8693)', () => {
  let t: TestApp;
  let admin: ReturnType<typeof adminApi>;
  let idp: FakeHttp;
  let idpKey: SigningKey;
  const secrets = new Map<string, string>();

  const register = async (id: string, body: Record<string, unknown>): Promise<void> => {
    const res = await admin.post('/admin/clients', { client_id: id, ...body });
    expect(res.status).toBe(201);
    secrets.set(id, res.body.client_secret);
  };
  const tokenOf = async (id: string, form?: Record<string, string>): Promise<string> => {
    const res = await requestToken(t, id, secrets.get(id)!, form);
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  };
  const exchange = async (id: string, form: Record<string, string>): Promise<{ status: number; body: any }> =>
    postForm(`${t.baseUrl}/oauth2/token`, { grant_type: GRANT, ...form }, { authorization: basic(id, secrets.get(id)!) });
  const introspect = async (token: string) =>
    (await postForm(`${t.baseUrl}/oauth2/introspect`, { token }, { authorization: basic('orders-svc', secrets.get('orders-svc')!) })).body;
  const verify = async (token: string) =>
    (await jwtVerify(token, createRemoteJWKSet(new URL(`${t.baseUrl}/oauth2/jwks`)), { issuer: t.issuer, typ: 'at+jwt' })).payload;
  const foreignToken = async (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: 'user-7', aud: t.issuer, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: idpKey.kid })
      .setIssuer(`${idp.url}/idp`)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(idpKey.privateKey);
  };

  beforeAll(async () => {
    idpKey = await signingKey('idp-1', 'ES256');
    idp = await fakeHttp((_path, _req, res) => sendJson(res, { keys: [idpKey.publicJwk] }));
    t = await startTestApp();
    admin = adminApi(t, await adminToken(t));
    expect((await admin.post('/admin/trusted-issuers', { issuer: `${idp.url}/idp`, jwks_uri: `${idp.url}/idp/keys` })).status).toBe(201);
    const exchanger = ['client_credentials', GRANT];
    await register('frontend', {
      scope: 'orders.read orders.write profile',
      audience: ['https://orders.example'],
      token_claims: { tenant: 'acme' },
    });
    await register('orders-svc', {
      scope: 'orders.admin',
      grant_types: exchanger,
      introspect_any_token: true,
      token_exchange: { audiences: ['https://inventory.example', 'https://billing.example'], scopes: ['orders.read', 'inventory.read'] },
    });
    await register('billing-svc', {
      scope: 'billing.read',
      grant_types: exchanger,
      token_exchange: { audiences: ['https://ledger.example'], scopes: ['orders.read'] },
    });
    await register('plain-svc', { scope: 'orders.read' });
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  it('openid-client exchanges a token for the next hop: subject kept, client as actor, narrowed audience and scope', async () => {
    const subject = await tokenOf('frontend');
    const config = await oidc.discovery(new URL(t.issuer), 'orders-svc', undefined, oidc.ClientSecretBasic(secrets.get('orders-svc')), {
      algorithm: 'oauth2',
      execute: [oidc.allowInsecureRequests],
    });
    expect(config.serverMetadata().grant_types_supported).toContain(GRANT);
    const res = await oidc.genericGrantRequest(config, GRANT, { subject_token: subject, subject_token_type: ACCESS_TOKEN });
    expect(res.issued_token_type).toBe(ACCESS_TOKEN);
    expect(res.token_type).toBe('bearer');
    expect(res.scope).toBe('orders.read');
    const claims = await verify(res.access_token);
    expect(claims).toMatchObject({
      sub: 'frontend',
      client_id: 'orders-svc',
      aud: 'https://inventory.example',
      scope: 'orders.read',
      act: { sub: 'orders-svc' },
      tenant: 'acme',
    });
    // Never outlives the subject token.
    expect(claims.exp!).toBeLessThanOrEqual(decodeJwt(subject).exp!);
  });

  it('a chain nests the earlier actors in act, and introspection shows it', async () => {
    const first = await exchange('orders-svc', { subject_token: await tokenOf('frontend'), subject_token_type: ACCESS_TOKEN });
    expect(first.status).toBe(200);
    const second = await exchange('billing-svc', {
      subject_token: first.body.access_token,
      subject_token_type: ACCESS_TOKEN,
      requested_token_type: JWT,
    });
    expect(second.status).toBe(200);
    expect(second.body.issued_token_type).toBe(JWT);
    const claims = await verify(second.body.access_token);
    expect(claims).toMatchObject({ sub: 'frontend', client_id: 'billing-svc', aud: 'https://ledger.example', scope: 'orders.read' });
    expect(claims.act).toEqual({ sub: 'billing-svc', act: { sub: 'orders-svc' } });
    const info = await introspect(second.body.access_token);
    expect(info).toMatchObject({
      active: true,
      sub: 'frontend',
      client_id: 'billing-svc',
      act: { sub: 'billing-svc', act: { sub: 'orders-svc' } },
    });
  });

  it('asks for a chosen audience and scope within the policy and the subject token', async () => {
    const ok = await exchange('orders-svc', {
      subject_token: await tokenOf('frontend'),
      subject_token_type: ACCESS_TOKEN,
      audience: 'https://billing.example',
      scope: 'orders.read',
    });
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.body.access_token).aud).toBe('https://billing.example');
  });

  it.each([
    ['a scope the subject token lacks', { scope: 'inventory.read' }, 'invalid_scope'],
    ['a scope the policy does not allow', { scope: 'orders.write' }, 'invalid_scope'],
    ['an audience outside the policy', { audience: 'https://elsewhere.example' }, 'invalid_target'],
    ['an unsupported requested_token_type', { requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }, 'invalid_request'],
    ['an unsupported subject_token_type', { subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' }, 'invalid_request'],
    ['actor_token without actor_token_type', { actor_token: 'x' }, 'invalid_request'],
  ])('refuses %s (RFC 8693 §2.2.2)', async (_, extra, error) => {
    const res = await exchange('orders-svc', { subject_token: await tokenOf('frontend'), subject_token_type: ACCESS_TOKEN, ...extra });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(error);
  });

  it('refuses a missing, forged or foreign-issuer subject token with invalid_request', async () => {
    expect((await exchange('orders-svc', { subject_token_type: ACCESS_TOKEN })).body.error).toBe('invalid_request');
    const forged = (await tokenOf('frontend')).slice(0, -4) + 'AAAA';
    const bad = await exchange('orders-svc', { subject_token: forged, subject_token_type: ACCESS_TOKEN });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_request');
    const stranger = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('https://stranger.example')
      .setExpirationTime('5m')
      .sign(idpKey.privateKey);
    expect((await exchange('orders-svc', { subject_token: stranger, subject_token_type: JWT })).body.error).toBe('invalid_request');
  });

  it('never issues a token for the admin API by exchange, even when a policy names it', async () => {
    await register('sneaky-svc', {
      scope: 'x',
      grant_types: ['client_credentials', GRANT],
      token_exchange: { audiences: [`${t.issuer}/admin`], scopes: ['admin', 'orders.read'] },
    });
    const res = await exchange('sneaky-svc', { subject_token: await tokenOf('frontend'), subject_token_type: ACCESS_TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
  });

  it('refuses a client without the grant type or without a token_exchange policy (unauthorized_client)', async () => {
    const res = await exchange('plain-svc', { subject_token: await tokenOf('frontend'), subject_token_type: ACCESS_TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unauthorized_client');
  });

  it('revoking the subject token cuts off what was exchanged from it, and it cannot be exchanged again', async () => {
    const subject = await tokenOf('frontend');
    const exchanged = (await exchange('orders-svc', { subject_token: subject, subject_token_type: ACCESS_TOKEN })).body.access_token;
    expect((await introspect(exchanged)).active).toBe(true);
    const revoked = await postForm(
      `${t.baseUrl}/oauth2/revoke`,
      { token: subject },
      { authorization: basic('frontend', secrets.get('frontend')!) },
    );
    expect(revoked.status).toBe(200);
    expect(await introspect(exchanged)).toEqual({ active: false });
    const again = await exchange('orders-svc', { subject_token: subject, subject_token_type: ACCESS_TOKEN });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_request');
  });

  it("cutting off the subject client's tokens cuts off a chain exchanged from them", async () => {
    await register('cutoff-user', { scope: 'orders.read' });
    const first = (await exchange('orders-svc', { subject_token: await tokenOf('cutoff-user'), subject_token_type: ACCESS_TOKEN })).body
      .access_token;
    const second = (await exchange('billing-svc', { subject_token: first, subject_token_type: ACCESS_TOKEN })).body.access_token;
    expect((await introspect(second)).active).toBe(true);
    expect((await admin.post('/admin/clients/cutoff-user/revoke-tokens')).status).toBe(200);
    expect(await introspect(first)).toEqual({ active: false });
    expect(await introspect(second)).toEqual({ active: false });
  });

  it('an actor_token names the actor; a trusted issuer token may be the subject, and its may_act is honoured', async () => {
    const actor = await tokenOf('billing-svc');
    const withActor = await exchange('orders-svc', {
      subject_token: await tokenOf('frontend'),
      subject_token_type: ACCESS_TOKEN,
      actor_token: actor,
      actor_token_type: ACCESS_TOKEN,
    });
    expect(withActor.status).toBe(200);
    expect(decodeJwt(withActor.body.access_token).act).toEqual({ sub: 'billing-svc' });

    const allowed = await exchange('orders-svc', {
      subject_token: await foreignToken({ scope: 'orders.read profile', may_act: { sub: 'orders-svc' } }),
      subject_token_type: JWT,
    });
    expect(allowed.status).toBe(200);
    expect(decodeJwt(allowed.body.access_token)).toMatchObject({
      sub: 'user-7',
      client_id: 'orders-svc',
      scope: 'orders.read',
      act: { sub: 'orders-svc' },
    });

    const denied = await exchange('orders-svc', {
      subject_token: await foreignToken({ may_act: { sub: 'billing-svc' } }),
      subject_token_type: JWT,
    });
    expect(denied.status).toBe(400);
    expect(denied.body.error).toBe('invalid_request');
    expect(denied.body.error_description).toMatch(/may_act/);
  });
  it("right after the exchanging client's tokens are cut off, the token it answers is active (signed past the cut-off's second)", async () => {
    await register('cutoff-svc', {
      scope: 'ledger.read',
      grant_types: ['client_credentials', GRANT],
      token_exchange: { audiences: ['https://ledger.example'], scopes: ['orders.read'] },
    });
    const subject = await tokenOf('frontend');
    const cut = await admin.post('/admin/clients/cutoff-svc/revoke-tokens');
    expect(cut.status).toBe(200);
    const res = await exchange('cutoff-svc', { subject_token: subject, subject_token_type: ACCESS_TOKEN });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token as string).iat).toBeGreaterThan(cut.body.tokens_revoked_before as number);
    expect(await introspect(res.body.access_token as string)).toMatchObject({ active: true, client_id: 'cutoff-svc' });
  });
});
