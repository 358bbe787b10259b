import { freePort } from '@app/persistence';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { adminApi, adminToken } from './support/admin-api';
import { fakeHttp, type FakeHttp, JWT_BEARER, sendJson, signingKey, type SigningKey } from './support/assertions';
import { postForm, startTestApp, type TestApp } from './support/test-app';

/*
 * Workload identity federation: a local fake OIDC issuer (discovery + JWKS on loopback) mints
 * Kubernetes-shaped and GitHub-Actions-shaped tokens; a client with matching federated credentials gets tokens with
 * them, and tokens with the wrong subject, issuer, audience, lifetime or claim are refused.
 */
describe('workload identity federation', () => {
  let t: TestApp;
  let admin: ReturnType<typeof adminApi>;
  let idp: FakeHttp;
  let k8sKey: SigningKey;
  let ghKey: SigningKey;
  let k8s: string;
  let gh: string;
  let other: string;

  const K8S_SUB = 'system:serviceaccount:payments:billing';
  const GH_SUB = 'repo:acme/billing:ref:refs/heads/main';
  const GH_AUD = 'https://github.com/acme';

  beforeAll(async () => {
    k8sKey = await signingKey('k8s-1', 'RS256');
    ghKey = await signingKey('gh-1', 'RS256');
    idp = await fakeHttp((path, _req, res) => {
      const m = /^\/(k8s|gh|other)(\/.*)$/.exec(path);
      const name = m?.[1];
      if (m && m[2] === '/.well-known/openid-configuration') {
        sendJson(res, { issuer: `${idp.url}/${name}`, jwks_uri: `${idp.url}/${name}/keys` });
      } else if (m && m[2] === '/keys') {
        sendJson(res, { keys: [(name === 'gh' ? ghKey : k8sKey).publicJwk] });
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    k8s = `${idp.url}/k8s`;
    gh = `${idp.url}/gh`;
    other = `${idp.url}/other`;
    const port = await freePort();
    t = await startTestApp({
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}/ms-auth-server`,
      // This suite refuses many tokens from one address on purpose.
      THROTTLE_CLIENT_BURST: '1000',
      THROTTLE_SOURCE_BURST: '1000',
    });
    admin = adminApi(t, await adminToken(t));
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  /** A Kubernetes projected service-account token: aud as an array, one hour, kubernetes.io claims. */
  const k8sToken = (o: { sub?: string; aud?: string[]; lifetime?: number; key?: SigningKey; iss?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      aud: o.aud ?? [t.issuer],
      sub: o.sub ?? K8S_SUB,
      'kubernetes.io': { namespace: 'payments', serviceaccount: { name: 'billing', uid: randomUUID() } },
    })
      .setProtectedHeader({ alg: 'RS256', kid: (o.key ?? k8sKey).kid })
      .setIssuer(o.iss ?? k8s)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + (o.lifetime ?? 3600))
      .sign((o.key ?? k8sKey).privateKey);
  };

  /** A GitHub Actions OIDC token: a chosen aud, repository/ref/environment claims, a jti. */
  const ghToken = (o: { sub?: string; aud?: string; ref?: string; jti?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      aud: o.aud ?? GH_AUD,
      sub: o.sub ?? GH_SUB,
      repository: 'acme/billing',
      repository_owner: 'acme',
      ref: o.ref ?? 'refs/heads/main',
      environment: 'production',
      run_id: '42',
      jti: o.jti ?? randomUUID(),
    })
      .setProtectedHeader({ alg: 'RS256', kid: ghKey.kid })
      .setIssuer(gh)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + 300)
      .sign(ghKey.privateKey);
  };

  const authenticate = (clientId: string | undefined, assertion: string) =>
    postForm(`${t.baseUrl}/oauth2/token`, {
      grant_type: 'client_credentials',
      ...(clientId ? { client_id: clientId } : {}),
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
    });
  const refused = (res: { status: number; body: Record<string, unknown> }, description: RegExp): void => {
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body.error_description).toMatch(description);
  };

  describe('trusted issuers (admin API)', () => {
    it('registers issuers with their defaults, lists, shows and changes them', async () => {
      const created = await admin.post('/admin/trusted-issuers', { issuer: k8s });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        issuer: k8s,
        jwks_uri: null,
        signing_alg_values: ['RS256', 'ES256'],
        max_assertion_lifetime: 3600,
        replay_protection: false,
        allow_private_network: false,
      });
      expect((await admin.post('/admin/trusted-issuers', { issuer: gh, max_assertion_lifetime: 900 })).status).toBe(201);
      expect((await admin.post('/admin/trusted-issuers', { issuer: other, jwks_uri: `${other}/keys` })).status).toBe(201);
      const again = await admin.post('/admin/trusted-issuers', { issuer: k8s });
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ error: 'conflict', error_description: `issuer "${k8s}" is already trusted` });
      const list = await admin.get('/admin/trusted-issuers?limit=2');
      expect(list.body.items.map((i: { issuer: string }) => i.issuer)).toEqual([gh, k8s]);
      expect(typeof list.body.next_cursor).toBe('string');
      const shown = await admin.get(`/admin/trusted-issuers/${encodeURIComponent(gh)}`);
      expect(shown.status).toBe(200);
      expect(shown.body.max_assertion_lifetime).toBe(900);
      const patched = await admin.patch(`/admin/trusted-issuers/${encodeURIComponent(gh)}`, { signing_alg_values: ['RS256'] });
      expect(patched.body.signing_alg_values).toEqual(['RS256']);
      const unknown = await admin.get(`/admin/trusted-issuers/${encodeURIComponent('https://nope.example.com')}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ error: 'not_found', error_description: 'No trusted issuer "https://nope.example.com"' });
      const bad = await admin.post('/admin/trusted-issuers', { issuer: 'not a url', signing_alg_values: ['HS256'] });
      expect(bad.status).toBe(400);
      expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['signing_alg_values']);
    });

    it('refuses a federated credential naming an untrusted issuer, and a client id equal to a trusted issuer', async () => {
      const res = await admin.post('/admin/clients', {
        scope: 'read',
        token_endpoint_auth_method: 'private_key_jwt',
        federated_credentials: [{ issuer: 'https://untrusted.example.com', subject: 'x' }],
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_client_metadata');
      expect(res.body.details).toEqual([
        { field: 'federated_credentials.0.issuer', message: expect.stringMatching(/not a trusted issuer/) },
      ]);
      const clash = await admin.post('/admin/clients', { client_id: k8s, scope: 'read' });
      expect(clash.status).toBe(400);
      expect(clash.body.details[0].field).toBe('client_id');
    });

    it('registers the federated clients', async () => {
      const billing = await admin.post('/admin/clients', {
        client_id: 'billing',
        scope: 'read',
        token_endpoint_auth_method: 'private_key_jwt',
        federated_credentials: [{ issuer: k8s, subject: K8S_SUB }],
      });
      expect(billing.status).toBe(201);
      expect(billing.body.client_secret).toBeUndefined();
      const deployer = await admin.post('/admin/clients', {
        client_id: 'deployer',
        scope: 'deploy',
        token_endpoint_auth_method: 'private_key_jwt',
        federated_credentials: [
          { issuer: gh, subject: GH_SUB, audience: GH_AUD, claims: { repository: 'acme/billing', ref: 'refs/heads/main' } },
        ],
      });
      expect(deployer.status).toBe(201);
      expect(deployer.body.federated_credentials).toEqual([
        { issuer: gh, subject: GH_SUB, audience: GH_AUD, claims: { repository: 'acme/billing', ref: 'refs/heads/main' } },
      ]);
    });

    it('refuses to delete an issuer that credentials still name (409 listing them)', async () => {
      const res = await admin.delete(`/admin/trusted-issuers/${encodeURIComponent(k8s)}`);
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ error: 'conflict', error_description: expect.stringContaining('"billing"'), client_ids: ['billing'] });
      expect((await admin.delete(`/admin/trusted-issuers/${encodeURIComponent(other)}`)).status).toBe(204);
    });
  });

  describe('Kubernetes projected service-account token', () => {
    it('authenticates the client, and the same token again (replay_protection off by default)', async () => {
      const token = await k8sToken();
      const first = await authenticate('billing', token);
      expect(first.status).toBe(200);
      expect(first.body.scope).toBe('read');
      const claims = JSON.parse(Buffer.from((first.body.access_token as string).split('.')[1], 'base64url').toString()) as Record<
        string,
        unknown
      >;
      expect(claims.client_id).toBe('billing');
      expect((await authenticate('billing', token)).status).toBe(200);
      expect(idp.hits.get('/k8s/.well-known/openid-configuration')).toBe(1);
    });

    it('refuses the wrong subject, audience, lifetime and key, and a token without client_id', async () => {
      refused(await authenticate('billing', await k8sToken({ sub: 'system:serviceaccount:payments:other' })), /no federated credential/);
      refused(await authenticate('billing', await k8sToken({ aud: ['https://kubernetes.default.svc'] })), /aud must be exactly/);
      refused(await authenticate('billing', await k8sToken({ aud: [t.issuer, 'https://kubernetes.default.svc'] })), /aud must be exactly/);
      refused(await authenticate('billing', await k8sToken({ lifetime: 7200 })), /longer than the 3600 seconds/);
      refused(
        await authenticate('billing', await k8sToken({ key: await signingKey('k8s-1', 'RS256') })),
        /does not match its registration/,
      );
      const missing = await authenticate(undefined, await k8sToken());
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe('invalid_request');
    });

    it('refuses a token of another trusted issuer than the credential names', async () => {
      refused(await authenticate('billing', await ghToken({ sub: K8S_SUB, aud: t.issuer })), /does not match its registration/);
    });

    it('refuses a token whose issuer is not trusted', async () => {
      refused(
        await authenticate('billing', await k8sToken({ iss: 'https://evil.example.com' })),
        /client_id does not match|unknown client/,
      );
    });
  });

  describe('GitHub Actions OIDC token', () => {
    it('authenticates with the exact subject, its audience and the claim conditions', async () => {
      const res = await authenticate('deployer', await ghToken());
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('deploy');
    });

    it('refuses a failing claim condition, the wrong audience and another subject', async () => {
      refused(await authenticate('deployer', await ghToken({ ref: 'refs/heads/feature' })), /ref claim/);
      refused(await authenticate('deployer', await ghToken({ aud: t.issuer })), /aud must be exactly "https:\/\/github.com\/acme"/);
      refused(await authenticate('deployer', await ghToken({ sub: 'repo:acme/other:ref:refs/heads/main' })), /no federated credential/);
      const reasons = t.logs.filter((l) => l.includes('client_assertion_rejected')).join('\n');
      expect(reasons).toContain('reason=claim_condition');
      expect(reasons).toContain('reason=wrong_audience');
      expect(reasons).toContain('reason=subject_mismatch');
    });

    it('accepts each token once when the issuer asks for replay protection', async () => {
      await admin.patch(`/admin/trusted-issuers/${encodeURIComponent(gh)}`, { replay_protection: true });
      const token = await ghToken();
      expect((await authenticate('deployer', token)).status).toBe(200);
      refused(await authenticate('deployer', token), /used before/);
    });
  });
});
