import { randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { adminApi, adminToken } from './support/admin-api';
import { fakeHttp, type FakeHttp, JWT_BEARER, sendJson, signingKey, type SigningKey } from './support/assertions';
import { postForm, startTestApp, type TestApp } from './support/test-app';

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SUB = 'repo:acme/billing:environment:production';

interface TokenOptions {
  sub?: string;
  environment?: string;
  lifetime?: number;
  aud?: string;
}

/** A CI platform's token for the workload (GitHub Actions' shape), signed by `key` as issuer `iss`. */
function platformToken(key: SigningKey, iss: string, audience: string, o: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    sub: o.sub ?? SUB,
    aud: o.aud ?? audience,
    repository: 'acme/billing',
    environment: o.environment ?? 'production',
    run_id: '42',
    jti: randomUUID(),
  })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setIssuer(iss)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.lifetime ?? 300))
    .sign(key.privateKey);
}

/*
 * The RFC 7523 §2.1 JWT bearer grant for workloads without a client of their own, and claims mapped from the
 * workload's verified platform token into the access token (only those a federated credential lists).
 */
describe('JWT bearer grant and federated claim mappings', () => {
  let t: TestApp;
  let admin: ReturnType<typeof adminApi>;
  let idp: FakeHttp;
  let key: SigningKey;
  let iss: string;

  const ciToken = (o: TokenOptions = {}) => platformToken(key, iss, t.issuer, o);
  const bearer = async (form: Record<string, string>): Promise<{ status: number; body: any }> =>
    postForm(`${t.baseUrl}/oauth2/token`, { grant_type: GRANT, ...form });
  const credential = (subject: string) => ({
    issuer: iss,
    subject,
    claims: { environment: 'production' },
    claim_mappings: [
      { from: 'repository', to: 'repository' },
      { from: 'environment', to: 'deploy_env' },
    ],
  });

  beforeAll(async () => {
    key = await signingKey('ci-1', 'ES256');
    idp = await fakeHttp((_path, _req, res) => sendJson(res, { keys: [key.publicJwk] }));
    iss = `${idp.url}/ci`;
    t = await startTestApp({ THROTTLE_CLIENT_BURST: '1000', THROTTLE_SOURCE_BURST: '1000' });
    admin = adminApi(t, await adminToken(t));
    expect((await admin.post('/admin/trusted-issuers', { issuer: iss, jwks_uri: `${iss}/keys` })).status).toBe(201);
    const created = await admin.post('/admin/clients', {
      client_id: 'ci-deployer',
      scope: 'deploy',
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: ['client_credentials', GRANT],
      federated_credentials: [credential(SUB)],
      token_claims: { team: 'billing' },
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  it('openid-client gets a token with only the workload assertion, carrying the listed claims and no others', async () => {
    const config = await oidc.discovery(new URL(t.issuer), 'ci-deployer', undefined, oidc.None(), {
      algorithm: 'oauth2',
      execute: [oidc.allowInsecureRequests],
    });
    expect(config.serverMetadata().grant_types_supported).toContain(GRANT);
    const res = await oidc.genericGrantRequest(config, GRANT, { assertion: await ciToken() });
    const claims = decodeJwt(res.access_token);
    expect(claims).toMatchObject({
      sub: 'ci-deployer',
      client_id: 'ci-deployer',
      scope: 'deploy',
      team: 'billing',
      repository: 'acme/billing',
      deploy_env: 'production',
    });
    expect(claims.run_id).toBeUndefined();
    expect(claims.environment).toBeUndefined();
  });

  it('finds the client by the credential naming the token issuer and subject when no client_id is sent', async () => {
    const res = await bearer({ assertion: await ciToken(), scope: 'deploy' });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token).client_id).toBe('ci-deployer');
  });

  it.each([
    ['a subject no credential names', { sub: 'repo:acme/other:environment:production' }],
    ['a claim condition that fails', { environment: 'staging' }],
    ['an expired token', { lifetime: -120 }],
    ['another audience', { aud: 'https://elsewhere.example' }],
  ])('refuses %s with invalid_grant (RFC 7523 §3.1)', async (_, o) => {
    const res = await bearer({ assertion: await ciToken(o) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('refuses a missing assertion, and a client_credentials request without credentials stays 401', async () => {
    expect((await bearer({})).body.error).toBe('invalid_request');
    const cc = await postForm(`${t.baseUrl}/oauth2/token`, { grant_type: 'client_credentials' });
    expect(cc.status).toBe(401);
    expect(cc.body.error).toBe('invalid_client');
  });

  it('asks for client_id when two clients name the same subject', async () => {
    const sub = 'repo:acme/shared:environment:production';
    for (const id of ['shared-a', 'shared-b']) {
      const res = await admin.post('/admin/clients', {
        client_id: id,
        scope: 'deploy',
        token_endpoint_auth_method: 'private_key_jwt',
        grant_types: [GRANT],
        federated_credentials: [credential(sub)],
      });
      expect(res.status).toBe(201);
    }
    const ambiguous = await bearer({ assertion: await ciToken({ sub }) });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/client_id/) });
    const chosen = await bearer({ assertion: await ciToken({ sub }), client_id: 'shared-b' });
    expect(chosen.status).toBe(200);
    expect(decodeJwt(chosen.body.access_token).client_id).toBe('shared-b');
  });

  it('maps claims for a client authenticating with the platform token as its client_assertion too', async () => {
    const res = await postForm(`${t.baseUrl}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: 'ci-deployer',
      client_assertion_type: JWT_BEARER,
      client_assertion: await ciToken(),
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token as string)).toMatchObject({
      repository: 'acme/billing',
      deploy_env: 'production',
      team: 'billing',
    });
  });

  it('refuses a mapping onto a reserved claim, naming the field', async () => {
    const res = await admin.patch('/admin/clients/ci-deployer', {
      federated_credentials: [{ issuer: iss, subject: SUB, claim_mappings: [{ from: 'repository', to: 'sub' }] }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client_metadata');
    expect(res.body.details).toEqual([
      { field: 'federated_credentials.0.claim_mappings.0.to', message: expect.stringMatching(/reserved/) },
    ]);
  });
});

/*
 * Without client authentication the assertion is the only proof a stranger brings: it is checked before any client
 * is looked up, and its refusals are throttled per source like failed client authentication.
 */
describe('JWT bearer grant from strangers', () => {
  let t: TestApp;
  let idp: FakeHttp;
  let key: SigningKey;
  let iss: string;
  const bearer = async (assertion: string) => postForm(`${t.baseUrl}/oauth2/token`, { grant_type: GRANT, assertion });

  beforeAll(async () => {
    key = await signingKey('ci-1', 'ES256');
    idp = await fakeHttp((_path, _req, res) => sendJson(res, { keys: [key.publicJwk] }));
    iss = `${idp.url}/ci`;
    t = await startTestApp({ THROTTLE_SOURCE_BURST: '3', THROTTLE_SOURCE_PER_MINUTE: '6' });
    const admin = adminApi(t, await adminToken(t));
    expect((await admin.post('/admin/trusted-issuers', { issuer: iss, jwks_uri: `${iss}/keys` })).status).toBe(201);
    const created = await admin.post('/admin/clients', {
      client_id: 'ci-deployer',
      scope: 'deploy',
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: [GRANT],
      federated_credentials: [{ issuer: iss, subject: SUB }],
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  it('checks the signature before looking for a client, then throttles the source with 429 and serves a valid assertion', async () => {
    // Signed by a key the issuer never published, for a subject no credential names: refused as an assertion
    // (its signature), not as "no client has a credential for it", which only a lookup could say.
    const forger = await signingKey('ci-1', 'ES256');
    const forged = await bearer(await platformToken(forger, iss, t.issuer, { sub: 'repo:evil/x:environment:production' }));
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/^The assertion was refused: /) });
    // The source's burst is 3 failures: the forged one and two more, then 429 with Retry-After.
    const untrusted = await signingKey('other', 'ES256');
    for (let i = 0; i < 2; i++) {
      const res = await bearer(await platformToken(untrusted, 'https://untrusted.example', t.issuer));
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    }
    const throttled = await bearer(await platformToken(untrusted, 'https://untrusted.example', t.issuer));
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    // Only failures are counted: the workload's own valid assertion from the same source still gets its token.
    const valid = await bearer(await platformToken(key, iss, t.issuer));
    expect(valid.status).toBe(200);
    expect(decodeJwt(valid.body.access_token as string).client_id).toBe('ci-deployer');
  });
});
