import { type KeyView, STARTUP_ACTOR } from '@app/keys';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { adminApi, adminToken } from './support/admin-api';
import { fetchJwks, kids, playgroundToken, PRIVATE_MEMBERS, sleepUntil, waitFor } from './support/keys';
import { ADMIN_ID, startTestApp, type TestApp } from './support/test-app';

/** What the audit trail adds to every change made through the admin API: the route and the token's jti. */
const VIA_ADMIN_API = { via: 'admin_api', token_id: expect.stringMatching(/^[A-Za-z0-9_-]+$/) };
/**
 * Short lifetimes so the whole lifecycle runs in seconds: a next key may sign 2 s after it was published
 * (JWKS max-age 1 s + one change-poll interval rounded up), and a retired key stays published 3 s + 1 s.
 */
const FAST = {
  JWKS_MAX_AGE: '1',
  ACCESS_TOKEN_TTL: '3',
  MAX_ACCESS_TOKEN_TTL: '3',
  KEY_RETIREMENT_GRACE: '0',
  CHANGE_POLL_INTERVAL_MS: '100',
};

const KEY_FIELDS = ['activated_at', 'alg', 'created_at', 'encryption_key_id', 'expires_at', 'kid', 'not_before', 'retired_at', 'status'];

type View = KeyView;

async function auditRows(
  t: TestApp,
): Promise<{ actor: string; action: string; client_id: string | null; details: Record<string, unknown> }[]> {
  return t.db.query(`SELECT actor, action, client_id, details FROM audit_log WHERE action LIKE 'keys.%' ORDER BY id`);
}

describe('signing-key rotation while tokens are outstanding', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A publish delay of 12 s (max-age 11 s + one poll interval) and 10 s tokens: room for the calls that must
    // come before the promotion, and for verifying a token issued before it, even on a heavily loaded machine.
    t = await startTestApp({ ...FAST, JWKS_MAX_AGE: '11', ACCESS_TOKEN_TTL: '10', MAX_ACCESS_TOKEN_TTL: '10' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('publishes the next key before it signs, keeps the retired key until its tokens expired, then drops it', async () => {
    const jwksUrl = new URL(`${t.baseUrl}/oauth2/jwks`);
    const verifyOptions = { issuer: t.issuer, typ: 'at+jwt', algorithms: ['RS256'] };
    const oldKid = (await playgroundToken(t.baseUrl)).header.kid!;

    const listed = await adminApi(t).get('/admin/keys');
    expect(listed.status).toBe(200);
    expect((listed.body.items as View[]).map((k) => [k.kid, k.status])).toEqual([[oldKid, 'active']]);

    // Step 1: no next key yet, so one is published and promotion is deferred.
    const first = await adminApi(t).post('/admin/keys/rotate');
    expect(first.status).toBe(202);
    expect(first.body.rotated).toBe(false);
    const active1 = first.body.active as View;
    const next = first.body.next as View;
    expect(active1.kid).toBe(oldKid);
    expect(next.status).toBe('next');
    expect(next.kid).not.toBe(oldKid);
    expect(Date.parse(next.not_before!) - Date.parse(next.created_at)).toBe(12_000);
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const published = await fetchJwks(t.baseUrl);
    expect(published.cacheControl).toBe('public, max-age=11');
    expect(kids(published.keys)).toEqual([oldKid, next.kid]);

    // Asking again before not_before changes nothing.
    const early = await adminApi(t).post('/admin/keys/rotate');
    expect(early.status).toBe(202);
    expect((early.body.next as View).kid).toBe(next.kid);

    await sleepUntil(next.not_before!);
    // A token outstanding at the switch, and a verifier that honours max-age: it fetched the JWKS now and
    // will not fetch it again for a minute.
    const before = await playgroundToken(t.baseUrl);
    expect(before.header.kid).toBe(oldKid);
    const cachedVerifier = createRemoteJWKSet(jwksUrl, { cacheMaxAge: 60_000, cooldownDuration: 60_000 });
    const { payload: beforeClaims } = await jwtVerify(before.token, cachedVerifier, verifyOptions);

    const rotated = await adminApi(t).post('/admin/keys/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body.rotated).toBe(true);
    const retired = rotated.body.retired as View;
    const newNext = rotated.body.next as View;
    expect((rotated.body.active as View).kid).toBe(next.kid);
    expect((rotated.body.active as View).status).toBe('active');
    expect(retired.kid).toBe(oldKid);
    expect(retired.status).toBe('retired');
    // Retired until the longest-lived token it signed has expired: 10 s TTL + 1 s propagation + 0 s grace.
    expect(Date.parse(retired.expires_at!) - Date.parse(retired.retired_at!)).toBe(11_000);
    expect(Date.parse(retired.expires_at!)).toBeGreaterThanOrEqual(beforeClaims.exp! * 1000);
    expect(newNext.status).toBe('next');
    expect([oldKid, next.kid]).not.toContain(newNext.kid);

    const after = await playgroundToken(t.baseUrl);
    expect(after.header.kid).toBe(next.kid);
    // The verifier's JWKS copy predates the promotion and already holds the key that signs now.
    await expect(jwtVerify(after.token, cachedVerifier, verifyOptions)).resolves.toBeDefined();
    const freshVerifier = createRemoteJWKSet(jwksUrl);
    await expect(jwtVerify(before.token, freshVerifier, verifyOptions)).resolves.toBeDefined();
    await expect(jwtVerify(after.token, freshVerifier, verifyOptions)).resolves.toBeDefined();
    expect(kids((await fetchJwks(t.baseUrl)).keys)).toEqual([next.kid, oldKid, newNext.kid]);

    const statuses = (await adminApi(t).get('/admin/keys')).body.items as View[];
    expect(Object.fromEntries(statuses.map((k) => [k.kid, k.status]))).toEqual({
      [oldKid]: 'retired',
      [next.kid]: 'active',
      [newNext.kid]: 'next',
    });

    expect(await auditRows(t)).toEqual([
      // The first start created the key it signs with.
      {
        actor: STARTUP_ACTOR,
        action: 'keys.activated',
        client_id: null,
        details: { active: oldKid, alg: 'RS256', promoted: false, replaced: null },
      },
      {
        actor: ADMIN_ID,
        action: 'keys.next_created',
        client_id: null,
        details: { next: next.kid, alg: 'RS256', replaced: null, ...VIA_ADMIN_API },
      },
      {
        actor: ADMIN_ID,
        action: 'keys.rotated',
        client_id: null,
        details: { active: next.kid, retired: oldKid, retired_until: retired.expires_at, next: newNext.kid, ...VIA_ADMIN_API },
      },
    ]);

    // Once every token of the retired key has expired, the key leaves the JWKS and the table.
    await sleepUntil(retired.expires_at!);
    expect(kids((await fetchJwks(t.baseUrl)).keys)).toEqual([next.kid, newNext.kid]);
    await waitFor('the retired row to be deleted', async () =>
      (await t.db.query('SELECT kid FROM signing_keys WHERE kid = $1', [oldKid])).length === 0 ? true : undefined,
    );
    const remaining = (await adminApi(t).get('/admin/keys')).body.items as View[];
    expect(remaining.map((k) => k.kid).sort()).toEqual([next.kid, newNext.kid].sort());
  });

  it('lists keys with metadata only, never private key material', async () => {
    const res = await adminApi(t).get('/admin/keys');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const items = res.body.items as View[];
    expect(items.length).toBeGreaterThanOrEqual(2);
    for (const k of items) {
      expect(Object.keys(k).sort()).toEqual(KEY_FIELDS);
      expect(k.alg).toBe('RS256');
    }
    const rows = await t.db.query<{ private_key: string }>('SELECT private_key FROM signing_keys');
    for (const r of rows) {
      expect(res.text).not.toContain(r.private_key);
      expect(res.text).not.toContain(r.private_key.split('.')[3]);
    }
    expect(res.text).not.toMatch(/PRIVATE KEY|public_jwk|private_key/);
    for (const m of PRIVATE_MEMBERS) expect(res.text).not.toContain(`"${m}":`);
  });

  it('refuses callers without an admin token', async () => {
    const anonymous = await fetch(`${t.baseUrl}/admin/keys/rotate`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const client = await playgroundToken(t.baseUrl);
    const foreign = await adminApi(t, client.token).get('/admin/keys');
    expect(foreign.status).toBe(401);
    expect(foreign.body.error).toBe('invalid_token');
  });

  it('answers a malformed immediate flag with invalid_request and changes nothing', async () => {
    const before = await t.db.query('SELECT kid, status FROM signing_keys ORDER BY kid');
    const token = await adminToken(t);
    const res = await fetch(`${t.baseUrl}/admin/keys/rotate?immediate=yesplease`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'immediate must be true or false' });
    expect(await t.db.query('SELECT kid, status FROM signing_keys ORDER BY kid')).toEqual(before);
  });
});

describe('emergency rotation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(FAST);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('switches to a new key at once and drops the old one: its tokens stop verifying', async () => {
    const jwksUrl = new URL(`${t.baseUrl}/oauth2/jwks`);
    const leaked = await playgroundToken(t.baseUrl);
    const oldAdmin = await adminToken(t);
    const leakedKid = leaked.header.kid!;
    await expect(jwtVerify(leaked.token, createRemoteJWKSet(jwksUrl), { issuer: t.issuer })).resolves.toBeDefined();

    const res = await adminApi(t, oldAdmin).post('/admin/keys/rotate?immediate=true');
    expect(res.status).toBe(200);
    expect(res.body.rotated).toBe(true);
    expect(res.body.removed).toEqual([leakedKid]);
    expect(res.body.retired).toBeUndefined();
    const active = res.body.active as View;
    const next = res.body.next as View;
    expect(active.status).toBe('active');
    expect(next.status).toBe('next');
    expect(active.kid).not.toBe(leakedKid);

    const jwks = await fetchJwks(t.baseUrl);
    expect(kids(jwks.keys)).toEqual([active.kid, next.kid]);
    await expect(jwtVerify(leaked.token, createRemoteJWKSet(jwksUrl), { issuer: t.issuer })).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );
    // This server's own admin guard no longer accepts what the old key signed.
    const refused = await adminApi(t, oldAdmin).get('/admin/keys');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_token');
    expect(await t.db.query('SELECT kid FROM signing_keys WHERE kid = $1', [leakedKid])).toEqual([]);

    const fresh = await playgroundToken(t.baseUrl);
    expect(fresh.header.kid).toBe(active.kid);
    await expect(jwtVerify(fresh.token, createRemoteJWKSet(jwksUrl), { issuer: t.issuer, typ: 'at+jwt' })).resolves.toBeDefined();

    expect(await auditRows(t)).toEqual([
      {
        actor: STARTUP_ACTOR,
        action: 'keys.activated',
        client_id: null,
        details: { active: leakedKid, alg: 'RS256', promoted: false, replaced: null },
      },
      {
        actor: ADMIN_ID,
        action: 'keys.rotated_immediately',
        client_id: null,
        details: {
          active: active.kid,
          removed: [leakedKid],
          next: next.kid,
          ...VIA_ADMIN_API,
        },
      },
    ]);
  });
});

describe('scheduled rotation (KEY_ROTATION_INTERVAL) on two instances sharing a database', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ ...FAST, KEY_ROTATION_INTERVAL: '3' });
    b = await startTestApp(
      { ...FAST, KEY_ROTATION_INTERVAL: '3', KEY_ENCRYPTION_KEYS: a.config.keys.encryptionKeys[0].toString('base64url') },
      a.db,
    );
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('publishes a next key, promotes it once due, and both instances follow', async () => {
    const initial = (await playgroundToken(a.baseUrl)).header.kid!;
    const rotation = await waitFor(
      'a scheduled rotation',
      async () => {
        const rows = await a.db.query<{ actor: string; action: string; details: Record<string, string> }>(
          `SELECT actor, action, details FROM audit_log WHERE action LIKE 'keys.%' ORDER BY id`,
        );
        return rows.some((r) => r.action === 'keys.rotated') ? rows : undefined;
      },
      15_000,
    );
    const firstRotation = rotation.findIndex((r) => r.action === 'keys.rotated');
    // One instance published the next key and one promoted it, each exactly once.
    expect(rotation.slice(0, firstRotation + 1).map((r) => [r.actor, r.action])).toEqual([
      [STARTUP_ACTOR, 'keys.activated'],
      ['system:key-rotation-schedule', 'keys.next_created'],
      ['system:key-rotation-schedule', 'keys.rotated'],
    ]);
    const promoted = rotation[firstRotation].details;
    expect(promoted.retired).toBe(initial);
    expect(promoted.active).toBe(rotation[1].details.next);

    // Both instances publish the same keys (within a change-poll interval) and the retired key stays.
    const same = await waitFor('both instances to publish the same JWKS', async () => {
      const [ja, jb] = [await fetchJwks(a.baseUrl), await fetchJwks(b.baseUrl)];
      return JSON.stringify(ja.keys) === JSON.stringify(jb.keys) ? ja.keys : undefined;
    });
    expect(kids(same)).toContain(initial);
  });
});
