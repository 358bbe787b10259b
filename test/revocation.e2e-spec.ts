import { Clock } from '@app/config';
import { RevocationStore } from '@app/oauth';
import { ALL_KEYS, ChangeFeed } from '@app/persistence';
import { decodeJwt } from 'jose';
import { accessToken } from './support/admin-api';
import { insertClient } from './support/clients';
import { ADMIN_ID, ADMIN_SECRET, basic, postForm, startTestApp, type TestApp } from './support/test-app';

const SECRET = 'a-test-client-secret-long-enough';

/** POST /oauth2/revoke; the raw body, since a success has none. */
async function revoke(t: TestApp, callerId: string, form: Record<string, string> | string | undefined, query = '', secret = SECRET) {
  const body = typeof form === 'string' || form === undefined ? form : new URLSearchParams(form).toString();
  const res = await fetch(`${t.baseUrl}/oauth2/revoke${query}`, {
    method: 'POST',
    headers: {
      authorization: basic(callerId, secret),
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    body,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function isActive(t: TestApp, callerId: string, token: string): Promise<boolean> {
  const res = await postForm(`${t.baseUrl}/oauth2/introspect`, { token }, { authorization: basic(callerId, SECRET) });
  expect(res.status).toBe(200);
  return res.body.active as boolean;
}

async function revokedRows(t: TestApp): Promise<{ jti: string; client_id: string; expires_at: Date }[]> {
  return t.db.query('SELECT jti, client_id, expires_at FROM revoked_tokens ORDER BY jti');
}

/** Change-log rows announcing the revocation of `jti` (one per write; every instance reads each). */
async function changeRows(t: TestApp, jti: string): Promise<number> {
  const [{ n }] = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM change_log WHERE topic = 'revocation' AND split_part(key, ' ', 2) = $1`,
    [jti],
  );
  return n;
}

/** RFC 7009 revocation of JWT access tokens: kept by jti until expiry, honoured everywhere at once. */
describe('token revocation (RFC 7009)', () => {
  let t: TestApp;
  /** A second instance on the same database, keys and issuer. */
  let peer: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    for (const id of ['svc-a', 'svc-b']) await insertClient(t, { clientId: id, secret: SECRET, scopes: ['stock.read'] });
    peer = await startTestApp({ ISSUER: t.issuer, KEY_ENCRYPTION_KEYS: t.config.keys.encryptionKeys[0].toString('base64url') }, t.db);
  });
  afterAll(async () => {
    await peer?.close();
    await t?.close();
  });
  beforeEach(async () => {
    await t.db.query('DELETE FROM revoked_tokens');
  });

  it('revokes the caller’s own token: 200 with an empty body, jti kept until the token’s expiry', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const claims = decodeJwt(token);
    expect(await isActive(t, 'svc-a', token)).toBe(true);

    const res = await revoke(t, 'svc-a', { token });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(await revokedRows(t)).toEqual([{ jti: claims.jti, client_id: 'svc-a', expires_at: new Date(claims.exp! * 1000) }]);
    expect(await isActive(t, 'svc-a', token)).toBe(false);
  });

  it('accepts revoking the same token twice', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    expect((await revoke(t, 'svc-a', { token })).status).toBe(200);
    expect((await revoke(t, 'svc-a', { token })).status).toBe(200);
    expect(await revokedRows(t)).toHaveLength(1);
  });

  it('writes a revocation once: repeating it answers 200 with no new change-log row, here or on another instance (§2.2)', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const { jti } = decodeJwt(token);
    expect((await revoke(t, 'svc-a', { token })).status).toBe(200);
    expect(await changeRows(t, jti!)).toBe(1);
    for (const instance of [t, t, peer]) {
      const res = await revoke(instance, 'svc-a', { token });
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
    }
    expect(await changeRows(t, jti!)).toBe(1);
    expect(await revokedRows(t)).toHaveLength(1);
  });

  it('publishes nothing for a token whose revocation this instance has not heard of but the table holds', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const { jti, exp } = decodeJwt(token);
    // Revoked by a writer whose change this instance has not read (as another instance between two polls).
    await t.db.query(`INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ($1, 'svc-a', to_timestamp($2))`, [jti, exp]);
    expect((await revoke(t, 'svc-a', { token })).status).toBe(200);
    expect(await changeRows(t, jti!)).toBe(0);
  });

  it('limits new revocations per client (429 with Retry-After beyond the burst), leaves other clients unaffected, and refills', async () => {
    const limited = await startTestApp(
      {
        ISSUER: t.issuer,
        KEY_ENCRYPTION_KEYS: t.config.keys.encryptionKeys[0].toString('base64url'),
        REVOCATION_BURST: '3',
        REVOCATION_PER_MINUTE: '2',
      },
      t.db,
    );
    try {
      const tokens = [];
      for (let i = 0; i < 4; i++) tokens.push(await accessToken(limited, 'svc-a', SECRET));
      for (const token of tokens.slice(0, 3)) expect((await revoke(limited, 'svc-a', { token })).status).toBe(200);

      const over = await revoke(limited, 'svc-a', { token: tokens[3] });
      expect(over.status).toBe(429);
      expect(JSON.parse(over.text)).toEqual({ error: 'temporarily_unavailable', error_description: 'Too many requests, retry later' });
      // One revocation regained at 2 a minute: about 30 s.
      const wait = Number(over.headers.get('retry-after'));
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(30);
      expect(await isActive(limited, 'svc-a', tokens[3])).toBe(true);
      // Repeating a revocation writes nothing, so it is not refused.
      expect((await revoke(limited, 'svc-a', { token: tokens[0] })).status).toBe(200);
      // Another client's revocations are counted apart.
      const other = await accessToken(limited, 'svc-b', SECRET);
      expect((await revoke(limited, 'svc-b', { token: other })).status).toBe(200);
      expect(await isActive(limited, 'svc-b', other)).toBe(false);

      limited.clock.advance(wait * 1000);
      expect((await revoke(limited, 'svc-a', { token: tokens[3] })).status).toBe(200);
      expect(await isActive(limited, 'svc-a', tokens[3])).toBe(false);
    } finally {
      await limited.close();
    }
  });

  it('makes a revoked admin token useless at the admin API', async () => {
    const token = await accessToken(t, ADMIN_ID, ADMIN_SECRET, { scope: 'admin' });
    const before = await fetch(`${t.baseUrl}/admin/clients`, { headers: { authorization: `Bearer ${token}` } });
    expect(before.status).toBe(200);

    expect((await revoke(t, ADMIN_ID, { token }, '', ADMIN_SECRET)).status).toBe(200);
    const after = await fetch(`${t.baseUrl}/admin/clients`, { headers: { authorization: `Bearer ${token}` } });
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid, expired or revoked' });
    expect(after.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it('holds at once here and within one poll interval on another instance: introspection and the admin guard refuse the token', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const admin = await accessToken(t, ADMIN_ID, ADMIN_SECRET);
    expect(await isActive(peer, 'svc-a', token)).toBe(true);
    expect((await fetch(`${peer.baseUrl}/admin/clients`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);

    expect((await revoke(t, 'svc-a', { token })).status).toBe(200);
    expect((await revoke(t, ADMIN_ID, { token: admin }, '', ADMIN_SECRET)).status).toBe(200);
    expect(await isActive(t, 'svc-a', token)).toBe(false);
    expect((await fetch(`${t.baseUrl}/admin/clients`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(401);
    // The peer learns revocations from the change feed (CHANGE_POLL_INTERVAL_MS, 500 ms by default).
    const deadline = Date.now() + 10_000;
    let peerActive = true;
    let peerAdmin = 200;
    while ((peerActive || peerAdmin !== 401) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      peerActive = await isActive(peer, 'svc-a', token);
      peerAdmin = (await fetch(`${peer.baseUrl}/admin/clients`, { headers: { authorization: `Bearer ${admin}` } })).status;
    }
    expect(peerActive).toBe(false);
    expect(peerAdmin).toBe(401);
  });

  it('reloads revocations from the table after a change-feed gap, so one the feed never delivered still counts', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    expect(await isActive(peer, 'svc-a', token)).toBe(true);
    // A revocation the peer's feed never delivers (as after an outage longer than the feed's window) ...
    const { jti, exp } = decodeJwt(token);
    await t.db.query(`INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ($1, 'svc-a', to_timestamp($2))`, [jti, exp]);
    expect(await isActive(peer, 'svc-a', token)).toBe(true);
    // ... is found once the feed reports the gap, which makes every cache reload from the table.
    peer.app.get(ChangeFeed).emit('revocation', ALL_KEYS);
    expect(await isActive(peer, 'svc-a', token)).toBe(false);
  });

  it('refuses to revoke another client’s token with 400 unauthorized_client (§2.1), and revokes nothing', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const res = await revoke(t, 'svc-b', { token });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toEqual({ error: 'unauthorized_client', error_description: 'The token was not issued to this client' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await revokedRows(t)).toEqual([]);
    expect(await isActive(t, 'svc-a', token)).toBe(true);
  });

  it('answers 200 and stores nothing for garbage, expired and foreign tokens (§2.2)', async () => {
    const clock = t.app.get(Clock);
    const now = clock.nowSeconds();
    const spy = jest.spyOn(clock, 'nowSeconds').mockReturnValue(now - 14400 - 3600);
    let expired: string;
    try {
      expired = await accessToken(t, 'svc-a', SECRET);
    } finally {
      spy.mockRestore();
    }
    const foreignIssuer = await startTestApp(
      { ISSUER: 'http://other-issuer.example/ms-auth-server', KEY_ENCRYPTION_KEYS: t.config.keys.encryptionKeys[0].toString('base64url') },
      t.db,
    );
    let foreign: string;
    try {
      foreign = await accessToken(foreignIssuer, 'svc-a', SECRET);
    } finally {
      await foreignIssuer.close();
    }
    for (const token of ['not-a-jwt', 'a.b.c', expired, foreign]) {
      const res = await revoke(t, 'svc-a', { token });
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
    }
    expect(await revokedRows(t)).toEqual([]);
  });

  it.each(['access_token', 'refresh_token', 'unknown_type'])('ignores token_type_hint=%s and revokes the token (§2.1)', async (hint) => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const res = await revoke(t, 'svc-a', { token, token_type_hint: hint });
    expect(res.status).toBe(200);
    expect(await isActive(t, 'svc-a', token)).toBe(false);
  });

  it('requires the token in the form body: 400 invalid_request, and a token in the query string is not revoked', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const missing = await revoke(t, 'svc-a', { token_type_hint: 'access_token' });
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text)).toEqual({ error: 'invalid_request', error_description: 'Missing token parameter (RFC 7009 §2.1)' });

    const inQuery = await revoke(t, 'svc-a', undefined, `?token=${encodeURIComponent(token)}`);
    expect(inQuery.status).toBe(400);
    expect(JSON.parse(inQuery.text)).toMatchObject({ error: 'invalid_request' });
    expect(await isActive(t, 'svc-a', token)).toBe(true);
  });

  it('refuses an unauthenticated request with 401 invalid_client', async () => {
    const token = await accessToken(t, 'svc-a', SECRET);
    const res = await postForm(`${t.baseUrl}/oauth2/revoke`, { token });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
    expect(res.headers.get('www-authenticate')).toBe(`Basic realm="${t.issuer}"`);
    const wrong = await revoke(t, 'svc-a', { token }, '', 'not-the-secret');
    expect(wrong.status).toBe(401);
    expect(await isActive(t, 'svc-a', token)).toBe(true);
  });

  it('answers GET with 405', async () => {
    const res = await fetch(`${t.baseUrl}/oauth2/revoke`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('drops a revocation once the token would have expired', async () => {
    await t.db.query(
      `INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ('gone', 'svc-a', now() - interval '1 second'), ('kept', 'svc-a', now() + interval '1 hour')`,
    );
    await t.app.get(RevocationStore).prune();
    expect((await revokedRows(t)).map((r) => r.jti)).toEqual(['kept']);
  });
});
