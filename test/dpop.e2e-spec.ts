import { PLAYGROUND_CLIENT } from '@app/clients';
import { ChangeFeed, freePort } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { adminApi } from './support/admin-api';
import { insertClient } from './support/clients';
import { createTestDatabase, type TestDatabase } from './support/database';
import { dpopKey, type DpopKey, dpopProof } from './support/dpop';
import { type ServerProcess, startServerProcess } from './support/server-process';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

const SECRET = 'a-dpop-test-client-secret-0123456789';

/**
 * DPoP (RFC 9449) at the token endpoint: a valid proof binds the token to the proof's key (cnf.jkt, token_type
 * DPoP); every broken proof is 400 invalid_dpop_proof naming what is wrong; nonces are shared by instances.
 */
/**
 * Two instances on one database with one issuer and key-encryption key, so proofs, jtis and nonces are checked
 * across them. The issuer names 127.0.0.1, so the proofs' htu and the URL the tests call agree.
 */
async function twoInstances(env: Record<string, string>): Promise<{ t: TestApp; peer: TestApp }> {
  const port = await freePort();
  const t = await startTestApp({ PORT: String(port), ISSUER: `http://127.0.0.1:${port}/ms-auth-server`, ...env });
  const peer = await startTestApp(
    { ISSUER: t.issuer, KEY_ENCRYPTION_KEYS: t.config.keys.encryptionKeys[0].toString('base64url'), ...env },
    t.db,
  );
  return { t, peer };
}

describe('DPoP sender-constrained tokens (RFC 9449)', () => {
  let t: TestApp;
  let peer: TestApp;
  let tokenUrl: string;
  let key: DpopKey;

  beforeAll(async () => {
    ({ t, peer } = await twoInstances({ TOKEN_REUSE_SECONDS: '60' }));
    tokenUrl = `${t.issuer}/oauth2/token`;
    await insertClient(t, { clientId: 'svc', secret: SECRET, scopes: ['orders.read'] });
    await insertClient(t, { clientId: 'svc-reuse', secret: SECRET, scopes: ['orders.read'] });
    // The peer learns of the new ids from the change feed too; read it now rather than within one poll interval.
    await peer.app.get(ChangeFeed).poll();
    key = await dpopKey();
  });
  afterAll(async () => {
    await peer?.close();
    await t?.close();
  });

  async function tokenWith(headers: Record<string, string>, clientId = 'svc', target = t, form: Record<string, string> = {}) {
    return postForm(
      `${target.baseUrl}/oauth2/token`,
      { grant_type: 'client_credentials', ...form },
      {
        authorization: basic(clientId, SECRET),
        ...headers,
      },
    );
  }

  function refused(res: Awaited<ReturnType<typeof tokenWith>>, reason: RegExp): void {
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_dpop_proof');
    expect(res.body.error_description).toMatch(reason);
  }

  it('gives openid-client (getDPoPHandle) a DPoP token bound to its key, and introspection shows the binding', async () => {
    const config = new oidc.Configuration({ issuer: t.issuer, token_endpoint: tokenUrl }, 'svc', {}, oidc.ClientSecretBasic(SECRET));
    oidc.allowInsecureRequests(config);
    const pair = await generateKeyPair('ES256', { extractable: true });
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders.read' }, { DPoP: oidc.getDPoPHandle(config, pair) });
    expect(tokens.token_type).toBe('dpop');
    const claims = decodeJwt(tokens.access_token);
    expect(claims.cnf).toEqual({ jkt: await calculateJwkThumbprint(await exportJWK(pair.publicKey)) });

    const intro = await postForm(`${t.baseUrl}/oauth2/introspect`, { token: tokens.access_token }, { authorization: basic('svc', SECRET) });
    expect(intro.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: claims.cnf });
  });

  it('keeps plain requests as they were: a Bearer token without cnf', async () => {
    const res = await tokenWith({});
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
    expect(decodeJwt(res.body.access_token as string).cnf).toBeUndefined();
  });

  it('publishes the accepted proof algorithms (RFC 9449 §5.1)', async () => {
    const res = await fetch(`${t.origin}/.well-known/oauth-authorization-server/ms-auth-server`);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.dpop_signing_alg_values_supported).toEqual(['ES256', 'RS256', 'PS256', 'EdDSA']);
  });

  describe('refuses with 400 invalid_dpop_proof', () => {
    it('a proof for another method (htm)', async () => {
      refused(await tokenWith({ DPoP: await dpopProof(key, tokenUrl, { htm: 'GET' }) }), /htm must be POST/);
    });

    it('a proof for another URL (htu), also when only the base path differs', async () => {
      refused(await tokenWith({ DPoP: await dpopProof(key, `${t.origin}/oauth2/token`) }), /htu must be/);
      refused(await tokenWith({ DPoP: await dpopProof(key, `${t.issuer}/oauth2/introspect`) }), /htu must be/);
    });

    it('a stale proof (iat older than DPOP_MAX_AGE) and one from the future', async () => {
      const now = Math.floor(Date.now() / 1000);
      refused(await tokenWith({ DPoP: await dpopProof(key, tokenUrl, { iat: now - 301 }) }), /too old/);
      refused(await tokenWith({ DPoP: await dpopProof(key, tokenUrl, { iat: now + 60 }) }), /in the future/);
    });

    it('alg none and HS256', async () => {
      const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      const iat = Math.floor(Date.now() / 1000);
      const none = `${enc({ typ: 'dpop+jwt', alg: 'none', jwk: key.jwk })}.${enc({ htm: 'POST', htu: tokenUrl, iat, jti: 'n1' })}.`;
      refused(await tokenWith({ DPoP: none }), /alg must be one of ES256, RS256, PS256, EdDSA/);
      const hs = await new SignJWT({ htm: 'POST', htu: tokenUrl, iat, jti: 'h1' })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.jwk })
        .sign(new Uint8Array(32));
      refused(await tokenWith({ DPoP: hs }), /alg must be one of/);
    });

    it('a private key in the header', async () => {
      const privateJwk = await exportJWK(key.privateKey);
      refused(await tokenWith({ DPoP: await dpopProof(key, tokenUrl, { header: { jwk: privateJwk } }) }), /must not contain a private key/);
    });

    it('a wrong typ, a signature by another key, and two proofs at once', async () => {
      refused(await tokenWith({ DPoP: await dpopProof(key, tokenUrl, { header: { typ: 'JWT' } }) }), /typ must be dpop\+jwt/);
      const other = await dpopKey();
      refused(await tokenWith({ DPoP: await dpopProof(other, tokenUrl, { header: { jwk: key.jwk } }) }), /signature is invalid/);
      const two = [await dpopProof(key, tokenUrl), await dpopProof(key, tokenUrl)].join(', ');
      refused(await tokenWith({ DPoP: two }), /exactly one DPoP proof/);
    });

    it('malformed proofs of every shape, never a 5xx', async () => {
      const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      const iat = Math.floor(Date.now() / 1000);
      const claims = enc({ htm: 'POST', htu: tokenUrl, iat, jti: 'm' });
      const header = (h: Record<string, unknown>): string => enc({ typ: 'dpop+jwt', alg: 'ES256', ...h });
      for (const proof of [
        'x',
        'a.b.c',
        `${enc('string')}.${claims}.AAAA`,
        `${header({ jwk: { kty: 'EC', crv: 'P-256', x: 1, y: 2 } })}.${claims}.AAAA`,
        `${header({ jwk: { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' } })}.${claims}.AAAA`,
        `${header({ jwk: { ...key.jwk, crv: 'P-384' } })}.${claims}.AAAA`,
        `${header({ jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' }, alg: 'RS256' })}.${claims}.AAAA`,
        `${header({ jwk: key.jwk, crit: ['exp'] })}.${claims}.AAAA`,
        `${header({ jwk: key.jwk })}.${claims}.!!!!`,
        `${header({ jwk: key.jwk })}.not-json.AAAA`,
        'x'.repeat(9000),
      ]) {
        refused(await tokenWith({ DPoP: proof }), /DPoP proof|exactly one/);
      }
    });

    it('a replayed proof, on this instance and on another sharing the database', async () => {
      const proof = await dpopProof(key, tokenUrl);
      expect((await tokenWith({ DPoP: proof })).status).toBe(200);
      refused(await tokenWith({ DPoP: proof }), /jti was used before/);
      refused(await tokenWith({ DPoP: proof }, 'svc', peer), /jti was used before/);
    });
  });

  it('lets a registered client move from bearer to required DPoP without a new client id (dpop_bound_access_tokens)', async () => {
    const admin = adminApi(t);
    const created = await admin.post('/admin/clients', { client_id: 'moving', scope: 'orders.read' });
    expect(created.status).toBe(201);
    expect(created.body.dpop_bound_access_tokens).toBe(false);
    const secret = created.body.client_secret as string;
    const plain = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('moving', secret) });
    expect(plain.body.token_type).toBe('Bearer');

    const patched = await admin.patch('/admin/clients/moving', { dpop_bound_access_tokens: true });
    expect(patched.status).toBe(200);
    expect((await admin.get('/admin/clients/moving')).body.dpop_bound_access_tokens).toBe(true);
    const without = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('moving', secret) });
    expect(without.status).toBe(400);
    expect(without.body).toMatchObject({ error: 'invalid_dpop_proof', error_description: expect.stringMatching(/must send a DPoP proof/) });
    const bound = await postForm(
      tokenUrl,
      { grant_type: 'client_credentials' },
      { authorization: basic('moving', secret), DPoP: await dpopProof(key, tokenUrl) },
    );
    expect(bound.status).toBe(200);
    expect(bound.body.token_type).toBe('DPoP');
  });

  it('never reuses a token across bindings (TOKEN_REUSE_SECONDS): same key the same token, another key or none another', async () => {
    const other = await dpopKey('EdDSA');
    const get = async (proofKey?: DpopKey) => {
      const headers: Record<string, string> = proofKey ? { DPoP: await dpopProof(proofKey, tokenUrl) } : {};
      const res = await tokenWith(headers, 'svc-reuse');
      expect(res.status).toBe(200);
      return res.body.access_token as string;
    };
    const first = await get(key);
    expect(await get(key)).toBe(first);
    const withOther = await get(other);
    expect(withOther).not.toBe(first);
    expect(decodeJwt(withOther).cnf).toEqual({ jkt: other.jkt });
    const bearer = await get();
    expect(bearer).not.toBe(first);
    expect(decodeJwt(bearer).cnf).toBeUndefined();
    expect(await get()).toBe(bearer);
  });
});

/** RFC 9449 §8 server nonces, derived from the shared key-encryption key and time: no storage, every instance agrees. */
describe('DPoP server nonces (DPOP_NONCE_REQUIRED)', () => {
  let t: TestApp;
  let peer: TestApp;
  let tokenUrl: string;
  let key: DpopKey;

  beforeAll(async () => {
    ({ t, peer } = await twoInstances({ DPOP_NONCE_REQUIRED: 'true' }));
    tokenUrl = `${t.issuer}/oauth2/token`;
    await insertClient(t, { clientId: 'svc', secret: SECRET, scopes: ['orders.read'] });
    await peer.app.get(ChangeFeed).poll();
    key = await dpopKey();
  });
  afterAll(async () => {
    await peer?.close();
    await t?.close();
  });

  const request = (proof: string, target: TestApp = t) =>
    postForm(`${target.baseUrl}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: basic('svc', SECRET), DPoP: proof });

  it('asks for a nonce with use_dpop_nonce, and accepts the one it gave on another instance', async () => {
    const first = await request(await dpopProof(key, tokenUrl));
    expect(first.status).toBe(400);
    expect(first.body.error).toBe('use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toMatch(/^\d+\.[A-Za-z0-9_-]+$/);
    const ok = await request(await dpopProof(key, tokenUrl, { nonce: nonce! }), peer);
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('DPoP');
    expect(ok.headers.get('dpop-nonce')).toBe(nonce);
  });

  it('works with openid-client, which retries once with the nonce it was given', async () => {
    const config = new oidc.Configuration({ issuer: t.issuer, token_endpoint: tokenUrl }, 'svc', {}, oidc.ClientSecretBasic(SECRET));
    oidc.allowInsecureRequests(config);
    const handle = oidc.getDPoPHandle(config, await generateKeyPair('ES256'));
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'orders.read' }, { DPoP: handle });
    expect(tokens.token_type).toBe('dpop');
  });

  it('refuses a nonce from the past with a fresh one', async () => {
    const old = (await request(await dpopProof(key, tokenUrl))).headers.get('dpop-nonce')!;
    // Two nonce windows (DPOP_NONCE_WINDOW, 300 s) later, on both instances' clocks.
    t.clock.advance(601_000);
    peer.clock.advance(601_000);
    const iat = Math.floor(t.clock.now() / 1000);
    const res = await request(await dpopProof(key, tokenUrl, { nonce: old, iat }));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'use_dpop_nonce', error_description: expect.stringMatching(/stale/) });
    const fresh = res.headers.get('dpop-nonce')!;
    expect(fresh).not.toBe(old);
    expect((await request(await dpopProof(key, tokenUrl, { nonce: fresh, iat }), peer)).status).toBe(200);
  });
});

/** Needs the built server (`npx nest build`; npm test builds first): the jti check holds across real processes. */
describe('DPoP proof replay across two server processes on one database', () => {
  let db: TestDatabase;
  let one: ServerProcess | undefined;
  let two: ServerProcess | undefined;
  let issuer: string;
  let base2: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const [p1, p2] = [await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${p1}/ms-auth-server`;
    const shared = {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
      ISSUER: issuer,
      SECRET_HASH_LOG_N: '12',
      DATABASE_POOL_SIZE: '4',
      SEED_PLAYGROUND_CLIENT: 'true',
    };
    // One after the other: the first seeds the playground client, so the second starts knowing its id (started
    // together, the second would learn of it only at its next change-feed poll).
    one = await startServerProcess({ ...shared, PORT: String(p1) });
    two = await startServerProcess({ ...shared, PORT: String(p2) });
    base2 = `http://127.0.0.1:${p2}/ms-auth-server`;
  }, 90_000);
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    await db?.drop();
  });

  it('refuses on the second process a proof the first accepted', async () => {
    const key = await dpopKey();
    const proof = await dpopProof(key, `${issuer}/oauth2/token`);
    const auth = { authorization: basic(PLAYGROUND_CLIENT.clientId, PLAYGROUND_CLIENT.secret) };
    const first = await postForm(`${issuer}/oauth2/token`, { grant_type: 'client_credentials' }, { ...auth, DPoP: proof });
    expect(first.status).toBe(200);
    expect(decodeJwt(first.body.access_token as string).cnf).toEqual({ jkt: key.jkt });
    const replay = await postForm(`${base2}/oauth2/token`, { grant_type: 'client_credentials' }, { ...auth, DPoP: proof });
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP proof jti was used before' });
  });
});
