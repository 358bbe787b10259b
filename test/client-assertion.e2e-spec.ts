import { sealedSecretAad } from '@app/clients';
import { KeyEncrypter } from '@app/keys';
import { ChangeFeed, freePort } from '@app/persistence';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { adminApi, adminToken } from './support/admin-api';
import {
  type AssertionOptions,
  clientAssertion,
  fakeHttp,
  type FakeHttp,
  JWT_BEARER,
  sendJson,
  signingKey,
  type SigningKey,
  unsignedJwt,
} from './support/assertions';
import { postForm, startTestApp, type TestApp } from './support/test-app';

/** A public RSA JWK of `bits` bits, for registration rules only (nothing is signed with it). */
const rsaJwk = (bits: number): Record<string, string> =>
  generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }) as Record<string, string>;

/*
 * private_key_jwt and client_secret_jwt (RFC 7523 §2.2) against the real server and PostgreSQL:
 * openid-client obtains tokens, and every refused assertion is 401 invalid_client (RFC 7521 §4.2.1) while a
 * malformed request stays 400 invalid_request (RFC 6749 §5.2).
 */
describe('client assertions (private_key_jwt, client_secret_jwt)', () => {
  let t: TestApp;
  let second: TestApp;
  /** An instance with ASSERTION_ACCEPT_TOKEN_ENDPOINT_AUD=true, started by the last block. */
  let legacy: TestApp | undefined;
  let admin: ReturnType<typeof adminApi>;
  let key: SigningKey;
  let tokenUrl: string;
  const kek = randomBytes(32).toString('base64url');

  const env = async (): Promise<Record<string, string>> => {
    const port = await freePort();
    return {
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}/ms-auth-server`,
      KEY_ENCRYPTION_KEYS: kek,
      CLIENT_SECRET_JWT_ENABLED: 'true',
      JWKS_MIN_CACHE: '0',
      // This suite refuses many assertions of one client from one address on purpose.
      THROTTLE_CLIENT_BURST: '1000',
      THROTTLE_SOURCE_BURST: '1000',
    };
  };

  const token = (form: Record<string, string>, target: TestApp = t) =>
    postForm(`${target.baseUrl}/oauth2/token`, { grant_type: 'client_credentials', ...form });
  const withAssertion = (assertion: string, target: TestApp = t, extra: Record<string, string> = {}) =>
    token({ client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra }, target);

  /** Nest's static Logger writes through the application created last: read both instances' lines. */
  const logs = (): string[] => [...t.logs, ...second.logs, ...(legacy?.logs ?? [])];
  const refused = (res: { status: number; body: Record<string, unknown> }, description: RegExp): void => {
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body.error_description).toMatch(description);
  };

  beforeAll(async () => {
    t = await startTestApp(await env());
    second = await startTestApp({ ...(await env()), ISSUER: t.issuer }, t.db);
    admin = adminApi(t, await adminToken(t));
    tokenUrl = `${t.baseUrl}/oauth2/token`;
    key = await signingKey('k1', 'ES256');
    const res = await admin.post('/admin/clients', {
      client_id: 'pkjwt',
      scope: 'read',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
    });
    expect(res.status).toBe(201);
    // The second instance learns of a client created through the first at its next change-feed poll: have it poll now.
    await second.app.get(ChangeFeed).poll();
  });
  afterAll(async () => {
    await legacy?.close();
    await second?.close();
    await t?.close();
  });

  describe('registration', () => {
    it('answers a private_key_jwt client without any client_secret, and shows its keys', async () => {
      const res = await admin.get('/admin/clients/pkjwt');
      expect(res.body.token_endpoint_auth_method).toBe('private_key_jwt');
      expect(res.body.jwks).toEqual({ keys: [key.publicJwk] });
      expect(res.body.client_secret).toBeUndefined();
      const row = (await t.db.query('SELECT secret_hash, sealed_secret FROM oauth_clients WHERE client_id = $1', ['pkjwt']))[0];
      expect(row).toEqual({ secret_hash: null, sealed_secret: null });
    });

    it.each([
      ['a private key', async () => ({ jwks: { keys: [{ ...(await signingKey('p')).publicJwk, d: 'AAAA' }] } }), 'jwks.keys.0'],
      ['a symmetric key', async () => ({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }), 'jwks.keys.0'],
      ['a repeated kid', async () => ({ jwks: { keys: [key.publicJwk, { ...(await signingKey('k1')).publicJwk }] } }), 'jwks.keys.1'],
      [
        'jwks and jwks_uri together',
        async () => ({ jwks: { keys: [key.publicJwk] }, jwks_uri: 'https://keys.example.com/jwks' }),
        'jwks_uri',
      ],
      ['no keys at all', async () => ({}), 'token_endpoint_auth_method'],
      ['an RSA-1024 key (too weak, NIST SP 800-131A)', async () => ({ jwks: { keys: [rsaJwk(1024)] } }), 'jwks.keys.0'],
      [
        'an RSA key with a public exponent above 2^32 (each verification slower)',
        async () => ({ jwks: { keys: [{ ...rsaJwk(2048), e: Buffer.from('0100000000000001', 'hex').toString('base64url') }] } }),
        'jwks.keys.0',
      ],
      [
        'a set of 30 keys (at most 20)',
        async () => ({
          jwks: { keys: await Promise.all(Array.from({ length: 30 }, async (_, i) => (await signingKey(`m${i}`)).publicJwk)) },
        }),
        'jwks.keys',
      ],
      ['a jwks_uri that is not a URL', async () => ({ jwks_uri: 'keys' }), 'jwks_uri'],
    ])('refuses %s with 400 invalid_client_metadata naming the field', async (_, extra, field) => {
      const res = await admin.post('/admin/clients', { scope: 'read', token_endpoint_auth_method: 'private_key_jwt', ...(await extra()) });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_client_metadata');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });
  });

  describe('private_key_jwt', () => {
    it('gives openid-client (PrivateKeyJwt) a token', async () => {
      const config = new oidc.Configuration(
        { issuer: t.issuer, token_endpoint: tokenUrl },
        'pkjwt',
        {},
        oidc.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }),
      );
      oidc.allowInsecureRequests(config);
      const tokens = await oidc.clientCredentialsGrant(config, { scope: 'read' });
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.scope).toBe('read');
      const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
      expect(claims.client_id).toBe('pkjwt');
    });

    it('accepts an assertion once; the replay is refused, on this instance and on another sharing the database', async () => {
      const assertion = await clientAssertion(key, 'pkjwt', t.issuer);
      expect((await withAssertion(assertion)).status).toBe(200);
      refused(await withAssertion(assertion), /used before/);
      const other = await clientAssertion(key, 'pkjwt', t.issuer);
      expect((await withAssertion(other, second)).status).toBe(200);
      refused(await withAssertion(other), /used before/);
      const line = logs().find((l) => l.includes('reason=replayed'));
      expect(line).toContain('client_assertion_rejected');
      expect(logs().some((l) => l.includes(assertion) || l.includes(other))).toBe(false);
    });

    it('lets two instances racing with one assertion accept it exactly once', async () => {
      const assertion = await clientAssertion(key, 'pkjwt', t.issuer);
      const results = await Promise.all([withAssertion(assertion), withAssertion(assertion, second), withAssertion(assertion)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    });

    it.each([
      ['wrong aud', { aud: 'https://elsewhere.example.com' }, /aud must be exactly/],
      ['aud with a second value', { aud: ['ISSUER', 'https://elsewhere.example.com'] }, /aud must be exactly/],
      ['the token endpoint URL as aud (ASSERTION_ACCEPT_TOKEN_ENDPOINT_AUD off)', { aud: 'TOKEN' }, /aud must be exactly/],
      ['expired', { expiresIn: -120 }, /expired/],
      ['no exp', { expiresIn: null }, /exp/],
      ['exp beyond ASSERTION_MAX_LIFETIME', { expiresIn: 900 }, /at most 300 seconds/],
      ['nbf in the future', { nbf: Math.floor(Date.now() / 1000) + 600 }, /not valid yet/],
      ['iat in the future', { iat: Math.floor(Date.now() / 1000) + 600 }, /iat/],
      ['no jti', { jti: null }, /jti/],
      ['sub other than the client id', { sub: 'someone-else' }, /sub must be the client_id/],
    ])('refuses %s', async (_, opts: AssertionOptions, description) => {
      const aud = (v: string): string => (v === 'ISSUER' ? t.issuer : v === 'TOKEN' ? tokenUrl : v);
      const o = { ...opts, ...(opts.aud !== undefined ? { aud: Array.isArray(opts.aud) ? opts.aud.map(aud) : aud(opts.aud) } : {}) };
      refused(await withAssertion(await clientAssertion(key, 'pkjwt', t.issuer, o)), description);
    });

    it('refuses alg none, HMAC for a private_key_jwt client, and a key it does not know', async () => {
      const now = Math.floor(Date.now() / 1000);
      refused(await withAssertion(unsignedJwt({ iss: 'pkjwt', sub: 'pkjwt', aud: t.issuer, exp: now + 60, jti: 'n1' })), /signed with/);
      // HS256 is accepted for client_secret_jwt clients, so for this one it says only "does not match".
      refused(
        await withAssertion(await clientAssertion(new TextEncoder().encode('x'.repeat(32)), 'pkjwt', t.issuer)),
        /does not match its registration/,
      );
      const stranger = await signingKey('k1', 'ES256');
      refused(await withAssertion(await clientAssertion(stranger, 'pkjwt', t.issuer)), /does not match its registration/);
      const unknownKid = await signingKey('k9', 'ES256');
      refused(await withAssertion(await clientAssertion(unknownKid, 'pkjwt', t.issuer)), /does not match its registration/);
      expect(logs().some((l) => l.includes('reason=alg_not_allowed'))).toBe(true);
      expect(logs().some((l) => l.includes('no registered key matches the kid'))).toBe(true);
      expect(logs().some((l) => l.includes('reason=bad_signature'))).toBe(true);
    });

    it('keeps a malformed request at 400 invalid_request', async () => {
      const assertion = await clientAssertion(key, 'pkjwt', t.issuer);
      const basic = `Basic ${Buffer.from('pkjwt:whatever').toString('base64')}`;
      const cases = [
        postForm(
          tokenUrl,
          { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion },
          { authorization: basic },
        ),
        token({ client_assertion_type: JWT_BEARER, client_assertion: assertion, client_secret: 'x'.repeat(40), client_id: 'pkjwt' }),
        token({ client_assertion: assertion }),
        token({ client_assertion_type: JWT_BEARER }),
        token({ client_assertion_type: 'urn:example:other', client_assertion: assertion }),
        postForm(
          tokenUrl,
          `grant_type=client_credentials&client_assertion_type=${encodeURIComponent(JWT_BEARER)}&client_assertion=${assertion}&client_assertion=${assertion}`,
        ),
      ];
      for (const res of await Promise.all(cases)) {
        expect(res.status).toBe(400);
        expect(res.body.error).toBe('invalid_request');
      }
    });

    it('refuses a client_id that differs from the assertion, and a secret client using an assertion', async () => {
      refused(await withAssertion(await clientAssertion(key, 'pkjwt', t.issuer), t, { client_id: 'other' }), /client_id does not match/);
      refused(await withAssertion(await clientAssertion(key, 'playground', t.issuer)), /unknown client, or the assertion does not match/);
    });

    it('answers an unknown id, a secret client, a disabled client and a wrong key in the same words, so client ids cannot be enumerated', async () => {
      expect((await admin.post('/admin/clients', { client_id: 'secret-only', scope: 'read' })).status).toBe(201);
      const disabled = await admin.post('/admin/clients', {
        client_id: 'pkjwt-off',
        scope: 'read',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [key.publicJwk] },
      });
      expect(disabled.status).toBe(201);
      expect((await admin.patch('/admin/clients/pkjwt-off', { enabled: false })).status).toBe(200);
      const stranger = await signingKey('k1', 'ES256');
      const answers = [
        await withAssertion(await clientAssertion(key, 'no-such-client', t.issuer)),
        await withAssertion(await clientAssertion(key, 'secret-only', t.issuer)),
        await withAssertion(await clientAssertion(key, 'pkjwt-off', t.issuer)),
        await withAssertion(await clientAssertion(stranger, 'pkjwt', t.issuer)),
      ];
      for (const res of answers) refused(res, /unknown client, or the assertion does not match its registration/);
      expect(new Set(answers.map((r) => JSON.stringify(r.body))).size).toBe(1);
      // The operator still learns which it was, from the warn log.
      for (const why of [
        '(unknown_client): no such client',
        '(method_mismatch): the client is registered for client_secret_basic',
        '(client_disabled)',
      ]) {
        expect(logs().some((l) => l.includes(why))).toBe(true);
      }
    });

    it('requires kid when more than one registered key could verify the assertion, so each costs one verification', async () => {
      const a = await signingKey('a', 'ES256');
      const b = await signingKey('b', 'ES256');
      const res = await admin.post('/admin/clients', {
        client_id: 'two-keys',
        scope: 'read',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [a.publicJwk, b.publicJwk] },
      });
      expect(res.status).toBe(201);
      refused(await withAssertion(await clientAssertion(b, 'two-keys', t.issuer, { kid: null })), /must name its key in the kid header/);
      expect((await withAssertion(await clientAssertion(b, 'two-keys', t.issuer))).status).toBe(200);
      // One key of the alg: no kid needed.
      expect((await withAssertion(await clientAssertion(key, 'pkjwt', t.issuer, { kid: null }))).status).toBe(200);
    });

    it('answers 401, not 500, for a key registered before the RSA limits (RSA-1024), and logs no error', async () => {
      const rsa = await signingKey('r', 'RS256');
      await admin.post('/admin/clients', {
        client_id: 'legacy-rsa',
        scope: 'read',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [rsa.publicJwk] },
      });
      // What an older version accepted at registration, stored as it did.
      await t.db.query('UPDATE oauth_clients SET jwks = $1 WHERE client_id = $2', [
        { keys: [{ ...rsaJwk(1024), kid: 'r', alg: 'RS256' }] },
        'legacy-rsa',
      ]);
      const before = logs().length;
      const res = await withAssertion(await clientAssertion(rsa, 'legacy-rsa', t.issuer));
      refused(res, /unknown client, or the assertion does not match/);
      expect(
        logs()
          .slice(before)
          .filter((l) => /\bERROR\b|"level":50/.test(l)),
      ).toEqual([]);
    });

    it('spends a per-client budget of failed verifications: beyond it failures get 429 with Retry-After, valid assertions still 200', async () => {
      await admin.post('/admin/clients', {
        client_id: 'budget',
        scope: 'read',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [key.publicJwk] },
      });
      const forged = await signingKey('k1', 'ES256');
      // 120 failures a minute, regained continuously: the first 120 are refused after verifying, and soon after
      // (the budget regains two a second while this loop runs) the client id answers 429.
      const statuses: number[] = [];
      let spent: Awaited<ReturnType<typeof withAssertion>> | undefined;
      while (statuses.length < 200 && !spent) {
        const res = await withAssertion(await clientAssertion(forged, 'budget', t.issuer));
        statuses.push(res.status);
        if (res.status === 429) spent = res;
        else refused(res, /unknown client/);
      }
      expect(statuses.length).toBeGreaterThan(120);
      expect(spent?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(spent?.body.error).toBe('temporarily_unavailable');
      // Checking a valid assertion is cheap and bounded: strangers who spent the budget never lock the client out.
      expect((await withAssertion(await clientAssertion(key, 'budget', t.issuer))).status).toBe(200);
      // Another client's budget is its own.
      expect((await withAssertion(await clientAssertion(key, 'pkjwt', t.issuer))).status).toBe(200);
    });

    it('authenticates at introspection and revocation too', async () => {
      const res = await withAssertion(await clientAssertion(key, 'pkjwt', t.issuer));
      const access = res.body.access_token as string;
      const form = async (): Promise<Record<string, string>> => ({
        token: access,
        client_assertion_type: JWT_BEARER,
        client_assertion: await clientAssertion(key, 'pkjwt', t.issuer),
      });
      const introspected = await postForm(`${t.baseUrl}/oauth2/introspect`, await form());
      expect(introspected.status).toBe(200);
      expect(introspected.body.active).toBe(true);
      expect((await postForm(`${t.baseUrl}/oauth2/revoke`, await form())).status).toBe(200);
      expect((await postForm(`${t.baseUrl}/oauth2/introspect`, await form())).body.active).toBe(false);
    });

    it('refuses the secret methods for a private_key_jwt client', async () => {
      const res = await postForm(tokenUrl, { grant_type: 'client_credentials', client_id: 'pkjwt', client_secret: 'x'.repeat(43) });
      expect(res.status).toBe(401);
    });
  });

  describe('client_secret_jwt', () => {
    let secret: string;
    beforeAll(async () => {
      const res = await admin.post('/admin/clients', {
        client_id: 'csjwt',
        scope: 'read',
        token_endpoint_auth_method: 'client_secret_jwt',
      });
      expect(res.status).toBe(201);
      secret = res.body.client_secret as string;
    });

    it('stores the secret sealed under the key-encryption key, never in plain text', async () => {
      const row = (await t.db.query('SELECT sealed_secret, secret_hash FROM oauth_clients WHERE client_id = $1', ['csjwt']))[0];
      expect(row.sealed_secret).toMatch(/^v1\./);
      expect(JSON.stringify(row)).not.toContain(secret);
    });

    it('gives openid-client (ClientSecretJwt) a token, and refuses an asymmetric assertion for it', async () => {
      const config = new oidc.Configuration({ issuer: t.issuer, token_endpoint: tokenUrl }, 'csjwt', {}, oidc.ClientSecretJwt(secret));
      oidc.allowInsecureRequests(config);
      const tokens = await oidc.clientCredentialsGrant(config, { scope: 'read' });
      expect(tokens.scope).toBe('read');
      refused(await withAssertion(await clientAssertion(key, 'csjwt', t.issuer)), /does not match its registration/);
      refused(
        await withAssertion(await clientAssertion(new TextEncoder().encode('y'.repeat(43)), 'csjwt', t.issuer)),
        /does not match its registration/,
      );
      expect(logs().some((l) => l.includes('client_secret_jwt assertions must be signed with HS256, not ES256'))).toBe(true);
    });

    it('keeps the previous secret working through a rotation grace, sealed too, and not after it', async () => {
      await admin.post('/admin/clients', { client_id: 'csjwt-rot', scope: 'read', token_endpoint_auth_method: 'client_secret_jwt' });
      const first = await admin.post('/admin/clients/csjwt-rot/secret', {});
      expect(first.status).toBe(200);
      const old = new TextEncoder().encode(first.body.client_secret as string);
      const rotated = await admin.post('/admin/clients/csjwt-rot/secret', { grace_seconds: 2 });
      expect(rotated.status).toBe(200);
      expect(rotated.body.previous_secret_expires_at).toEqual(expect.any(Number));
      const fresh = new TextEncoder().encode(rotated.body.client_secret as string);
      const row = (await t.db.query('SELECT previous_sealed_secret FROM oauth_clients WHERE client_id = $1', ['csjwt-rot']))[0];
      expect(row.previous_sealed_secret).toMatch(/^v1\./);

      expect((await withAssertion(await clientAssertion(fresh, 'csjwt-rot', t.issuer))).status).toBe(200);
      expect((await withAssertion(await clientAssertion(old, 'csjwt-rot', t.issuer))).status).toBe(200);
      // previous_secret_expires_at is in whole seconds (rounded down): move past the end of that second.
      t.clock.advancePast(((rotated.body.previous_secret_expires_at as number) + 1) * 1000);
      refused(await withAssertion(await clientAssertion(old, 'csjwt-rot', t.issuer)), /does not match its registration/);
      expect((await withAssertion(await clientAssertion(fresh, 'csjwt-rot', t.issuer))).status).toBe(200);
    });

    it('answers invalid_client, not a 5xx, for a secret sealed under a key-encryption key the server lacks, and tells the operator once', async () => {
      const res = await admin.post('/admin/clients', {
        client_id: 'csjwt-lost',
        scope: 'read',
        token_endpoint_auth_method: 'client_secret_jwt',
      });
      expect(res.status).toBe(201);
      const lost = res.body.client_secret as string;
      // As after a restore from another deployment, or a key dropped without `keys reencrypt` (no change is published:
      // the client has not authenticated yet, so no instance holds its row).
      const elsewhere = new KeyEncrypter([randomBytes(32)]);
      await t.db.query('UPDATE oauth_clients SET sealed_secret = $2 WHERE client_id = $1', [
        'csjwt-lost',
        elsewhere.seal(lost, sealedSecretAad('csjwt-lost')),
      ]);
      const assertion = () => clientAssertion(new TextEncoder().encode(lost), 'csjwt-lost', t.issuer);
      refused(await withAssertion(await assertion()), /does not match its registration/);
      refused(await withAssertion(await assertion()), /does not match its registration/);
      expect(logs().some((l) => l.includes('(secret_unavailable): the client has no usable secret'))).toBe(true);
      const reports = logs().filter((l) => l.includes('csjwt-lost') && l.includes('cannot be opened'));
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatch(/KEY_ENCRYPTION_KEYS/);
      expect(reports[0]).not.toContain(lost);
    });

    it('issues a new secret, once, when a client switches to client_secret_jwt', async () => {
      await admin.post('/admin/clients', { client_id: 'switcher', scope: 'read', client_secret: 's'.repeat(40) });
      const res = await admin.patch('/admin/clients/switcher', { token_endpoint_auth_method: 'client_secret_jwt' });
      expect(res.status).toBe(200);
      expect(res.body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const ok = await withAssertion(await clientAssertion(new TextEncoder().encode(res.body.client_secret), 'switcher', t.issuer));
      expect(ok.status).toBe(200);
      expect((await admin.get('/admin/clients/switcher')).body.client_secret).toBeUndefined();
    });
  });

  describe('jwks_uri', () => {
    let keysServer: FakeHttp;
    let served: SigningKey[];
    let k2: SigningKey;

    beforeAll(async () => {
      k2 = await signingKey('k2', 'RS256');
      served = [await signingKey('u1', 'ES256')];
      keysServer = await fakeHttp((path, _req, res) => {
        if (path === '/jwks') sendJson(res, { keys: served.map((k) => k.publicJwk) }, { 'cache-control': 'max-age=3600' });
        else if (path === '/garbage') sendJson(res, { not: 'keys' });
        else {
          res.writeHead(404);
          res.end();
        }
      });
      const res = await admin.post('/admin/clients', {
        client_id: 'byuri',
        scope: 'read',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: `${keysServer.url}/jwks`,
      });
      expect(res.status).toBe(201);
    });
    afterAll(async () => keysServer?.close());

    it('fetches the keys once, refetches once for a new kid, and not again within JWKS_REFETCH_INTERVAL', async () => {
      expect((await withAssertion(await clientAssertion(served[0], 'byuri', t.issuer))).status).toBe(200);
      expect((await withAssertion(await clientAssertion(served[0], 'byuri', t.issuer))).status).toBe(200);
      expect(keysServer.hits.get('/jwks')).toBe(1);
      served.push(k2);
      expect((await withAssertion(await clientAssertion(k2, 'byuri', t.issuer))).status).toBe(200);
      expect(keysServer.hits.get('/jwks')).toBe(2);
      const k3 = await signingKey('k3', 'ES256');
      served.push(k3);
      refused(await withAssertion(await clientAssertion(k3, 'byuri', t.issuer)), /does not match its registration/);
      expect(keysServer.hits.get('/jwks')).toBe(2);
      expect(logs().some((l) => l.includes('reason=unknown_kid'))).toBe(true);
    });

    it('answers invalid_client, never 5xx, when the jwks_uri is down or serves garbage', async () => {
      for (const path of ['/garbage', '/missing']) {
        const id = `byuri${path.replace('/', '-')}`;
        await admin.post('/admin/clients', {
          client_id: id,
          scope: 'read',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: `${keysServer.url}${path}`,
        });
        refused(await withAssertion(await clientAssertion(served[0], id, t.issuer)), /cannot be fetched/);
      }
      const port = await freePort();
      await admin.post('/admin/clients', {
        client_id: 'byuri-down',
        scope: 'read',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: `http://127.0.0.1:${port}/jwks`,
      });
      refused(await withAssertion(await clientAssertion(served[0], 'byuri-down', t.issuer)), /cannot be fetched/);
      expect(logs().some((l) => l.includes('reason=keys_unavailable'))).toBe(true);
    });

    it('keeps using keys fetched earlier while the jwks_uri is down', async () => {
      await keysServer.close();
      expect((await withAssertion(await clientAssertion(served[0], 'byuri', t.issuer))).status).toBe(200);
    });
  });

  describe('ASSERTION_ACCEPT_TOKEN_ENDPOINT_AUD=true (older clients)', () => {
    beforeAll(async () => {
      legacy = await startTestApp({ ...(await env()), ISSUER: t.issuer, ASSERTION_ACCEPT_TOKEN_ENDPOINT_AUD: 'true' }, t.db);
    });

    it('accepts the token endpoint URL as aud as well as the issuer, and still nothing else', async () => {
      expect((await withAssertion(await clientAssertion(key, 'pkjwt', t.issuer, { aud: tokenUrl }), legacy)).status).toBe(200);
      expect((await withAssertion(await clientAssertion(key, 'pkjwt', t.issuer), legacy)).status).toBe(200);
      refused(
        await withAssertion(await clientAssertion(key, 'pkjwt', t.issuer, { aud: `${t.issuer}/oauth2/introspect` }), legacy),
        /aud must be exactly/,
      );
    });
  });
});
