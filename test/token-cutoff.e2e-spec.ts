import { ChangeFeed } from '@app/persistence';
import { decodeJwt } from 'jose';
import { adminApi, adminToken, accessToken, call, requestToken } from './support/admin-api';
import type { ApiResponse } from './support/http';
import { insertClient } from './support/clients';
import { ADMIN_ID, basic, postForm, startTestApp, type TestApp } from './support/test-app';

const SECRET = 'a-test-client-secret-long-enough';
/** One issuer for every instance, as behind a load balancer. */
const ISSUER = 'http://auth.test/ms-auth-server';

/** Polls until `check` holds (another instance applies a change within its change-feed poll), bounded. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Moves every instance's clock past `second` (epoch seconds), together, so a token issued now has a later `iat`. */
function afterSecond(second: number, ...apps: TestApp[]): void {
  const ms = Math.max(0, (second + 1) * 1000 - Math.min(...apps.map((t) => t.clock.now())));
  for (const t of apps) t.clock.advance(ms);
}

/**
 * A leaked credential stops working when the operator says so. Two instances share one
 * database; every change is made on A and observed on B.
 */
describe('token cut-off per client, admin tokens that follow their holder', () => {
  let a: TestApp;
  let b: TestApp;
  let adminA: ReturnType<typeof adminApi>;

  function introspectAt(t: TestApp, token: string) {
    return postForm(`${t.baseUrl}/oauth2/introspect`, { token }, { authorization: basic('inspector', SECRET) });
  }

  async function registered(clientId: string, body: Record<string, unknown> = {}): Promise<string> {
    const res = await adminA.post('/admin/clients', { client_id: clientId, scope: 'orders.read', client_secret: SECRET, ...body });
    expect(res.status).toBe(201);
    // B learns of a client created through A at its next change-feed poll: have it poll now.
    await b.app.get(ChangeFeed).poll();
    return SECRET;
  }

  beforeAll(async () => {
    a = await startTestApp({ CHANGE_POLL_INTERVAL_MS: '100', ISSUER });
    b = await startTestApp(
      { CHANGE_POLL_INTERVAL_MS: '100', ISSUER, KEY_ENCRYPTION_KEYS: a.config.keys.encryptionKeys[0].toString('base64url') },
      a.db,
    );
    await insertClient(a, { clientId: 'inspector', secret: SECRET });
    await b.app.get(ChangeFeed).poll();
    await a.db.query(`UPDATE oauth_clients SET introspect_any = true WHERE client_id = 'inspector'`);
    adminA = adminApi(a, await adminToken(a));
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('disabling a client cuts off its tokens on another instance, and enabling it again does not revive them', async () => {
    await registered('leaky');
    const old = await accessToken(a, 'leaky', SECRET);
    expect((await introspectAt(b, old)).body).toMatchObject({ active: true, client_id: 'leaky' });

    const disabled = await adminA.patch('/admin/clients/leaky', { enabled: false });
    expect(disabled.status).toBe(200);
    await eventually('B to see the disable', async () => (await introspectAt(b, old)).body.active === false);

    expect((await adminA.patch('/admin/clients/leaky', { enabled: true })).status).toBe(200);
    // B has seen the re-enable once a fresh token works there; the old one stays inactive.
    await eventually('B to see the re-enable', async () => (await requestToken(b, 'leaky', SECRET)).status === 200);
    expect((await introspectAt(b, old)).body).toEqual({ active: false });
    const [row] = await a.db.query<{ cut: string }>(
      `SELECT extract(epoch FROM tokens_revoked_before)::bigint::text AS cut FROM oauth_clients WHERE client_id = 'leaky'`,
    );
    expect(Number(row.cut)).toBeGreaterThanOrEqual(decodeJwt(old).iat!);

    // Tokens issued after the cut-off second are active.
    afterSecond(Number(row.cut), a, b);
    const fresh = await accessToken(b, 'leaky', SECRET);
    expect((await introspectAt(a, fresh)).body).toMatchObject({ active: true });
    const audit = await a.db.query(`SELECT details FROM audit_log WHERE client_id = 'leaky' AND action = 'client.updated' ORDER BY id`);
    expect(audit[0]).toEqual({
      details: expect.objectContaining({ cutoff_reason: 'disabled', tokens_revoked_before: expect.any(String) }),
    });
    expect(audit[1].details).not.toHaveProperty('cutoff_reason');
  });

  it('rotating a secret with revoke_tokens cuts off every token so far; without it, tokens stay active', async () => {
    await registered('rotated');
    const before = await accessToken(a, 'rotated', SECRET);

    const kept = await adminA.post('/admin/clients/rotated/secret', { grace_seconds: 60 });
    expect(kept.status).toBe(200);
    expect(kept.body.tokens_revoked_before).toBeNull();
    expect((await introspectAt(b, before)).body).toMatchObject({ active: true });

    const cut = await adminA.post('/admin/clients/rotated/secret', { revoke_tokens: true });
    expect(cut.status).toBe(200);
    expect(cut.body.tokens_revoked_before).toBeGreaterThanOrEqual(decodeJwt(before).iat!);
    await eventually('B to see the cut-off', async () => (await introspectAt(b, before)).body.active === false);
    // The secret itself changed too, with no grace: the old one is refused.
    await eventually('B to refuse the old secret', async () => (await requestToken(b, 'rotated', SECRET)).status === 401);
    afterSecond(cut.body.tokens_revoked_before as number, a, b);
    const after = await accessToken(b, 'rotated', cut.body.client_secret as string);
    expect((await introspectAt(a, after)).body).toMatchObject({ active: true });

    const bad = await adminA.post('/admin/clients/rotated/secret', { revoke_tokens: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ field: 'revoke_tokens', message: 'revoke_tokens must be true or false' }]);
  });

  it('POST /admin/clients/{id}/revoke-tokens cuts off the tokens issued so far, audited, and nothing else', async () => {
    await registered('revoked');
    const token = await accessToken(a, 'revoked', SECRET);
    const res = await adminA.post('/admin/clients/revoked/revoke-tokens');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ client_id: 'revoked', tokens_revoked_before: expect.any(Number) });
    expect(res.body.tokens_revoked_before).toBeGreaterThanOrEqual(decodeJwt(token).iat!);
    await eventually('B to see the cut-off', async () => (await introspectAt(b, token)).body.active === false);
    // The client itself keeps working: its next token (a later second) is active.
    afterSecond(res.body.tokens_revoked_before as number, a, b);
    expect((await introspectAt(b, await accessToken(b, 'revoked', SECRET))).body).toMatchObject({ active: true });

    const [audit] = await a.db.query(
      `SELECT actor, details FROM audit_log WHERE client_id = 'revoked' AND action = 'client.tokens_revoked'`,
    );
    expect(audit).toEqual({
      actor: ADMIN_ID,
      details: { cutoff_reason: 'revoked', tokens_revoked_before: expect.any(String), via: 'admin_api', token_id: expect.any(String) },
    });
    expect((await adminA.post('/admin/clients/nobody/revoke-tokens')).status).toBe(404);
    expect((await call(a, 'POST', '/admin/clients/revoked/revoke-tokens')).status).toBe(401);
  });

  it('the admin guard honours the cut-off and re-checks that the holder still has the admin scope and audience', async () => {
    const adminAudience = a.config.admin.audience;
    for (const id of ['ops-1', 'ops-2', 'ops-3']) await registered(id, { scope: 'admin orders.read', audience: [adminAudience] });
    const tokens = Object.fromEntries(
      await Promise.all(['ops-1', 'ops-2', 'ops-3'].map(async (id) => [id, await accessToken(a, id, SECRET, { scope: 'admin' })])),
    ) as Record<string, string>;
    for (const id of ['ops-1', 'ops-2', 'ops-3']) expect((await adminApi(b, tokens[id]).get('/admin/clients?limit=1')).status).toBe(200);

    expect((await adminA.post('/admin/clients/ops-1/revoke-tokens')).status).toBe(200);
    await eventually(
      'B to refuse the cut-off admin token',
      async () => (await adminApi(b, tokens['ops-1']).get('/admin/clients?limit=1')).status === 401,
    );
    const cutOff = await adminApi(b, tokens['ops-1']).get('/admin/clients?limit=1');
    expect(cutOff.status).toBe(401);
    expect(cutOff.headers.get('www-authenticate')).toContain('error="invalid_token"');

    expect((await adminA.patch('/admin/clients/ops-2', { scope: 'orders.read' })).status).toBe(200);
    await eventually(
      'B to see the scope change',
      async () => (await adminApi(b, tokens['ops-2']).get('/admin/clients?limit=1')).status !== 200,
    );
    const noScope = await adminApi(b, tokens['ops-2']).get('/admin/clients?limit=1');
    expect(noScope.status).toBe(403);
    expect(noScope.headers.get('www-authenticate')).toContain('error="insufficient_scope"');

    expect((await adminA.patch('/admin/clients/ops-3', { audience: ['https://orders.example'] })).status).toBe(200);
    await eventually(
      'B to see the audience change',
      async () => (await adminApi(b, tokens['ops-3']).get('/admin/clients?limit=1')).status !== 200,
    );
    expect((await adminApi(b, tokens['ops-3']).get('/admin/clients?limit=1')).status).toBe(401);
  });

  it('caps admin tokens at ADMIN_ACCESS_TOKEN_TTL and never mixes the admin audience with another one', async () => {
    const adminAudience = a.config.admin.audience;
    await registered('mixed', { scope: 'admin orders.read', audience: [adminAudience, 'https://orders.example'], access_token_ttl: 7200 });
    const forAdmin = await requestToken(a, 'mixed', SECRET, { resource: adminAudience });
    expect(forAdmin.status).toBe(200);
    expect(forAdmin.body.expires_in).toBe(900);
    expect(decodeJwt(forAdmin.body.access_token as string).aud).toBe(adminAudience);
    const forOrders = await requestToken(a, 'mixed', SECRET, { resource: 'https://orders.example' });
    expect(forOrders.body.expires_in).toBe(7200);

    const both = await postForm(
      `${a.baseUrl}/oauth2/token`,
      `grant_type=client_credentials&resource=${encodeURIComponent(adminAudience)}&resource=${encodeURIComponent('https://orders.example')}`,
      { authorization: basic('mixed', SECRET) },
    );
    expect(both.status).toBe(400);
    expect(both.body).toEqual({
      error: 'invalid_target',
      error_description: 'A token for the admin API cannot carry any other audience: request it separately',
    });

    // An instance with a lower cap refuses admin tokens issued under the higher one.
    const strict = await startTestApp(
      { ADMIN_ACCESS_TOKEN_TTL: '60', ISSUER, KEY_ENCRYPTION_KEYS: a.config.keys.encryptionKeys[0].toString('base64url') },
      a.db,
    );
    try {
      expect((await adminApi(strict, forAdmin.body.access_token as string).get('/admin/clients?limit=1')).status).toBe(401);
      const short = await requestToken(strict, 'mixed', SECRET, { resource: adminAudience });
      expect(short.body.expires_in).toBe(60);
      expect((await adminApi(strict, short.body.access_token as string).get('/admin/clients?limit=1')).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('refuses (409, naming the reason) to disable, delete or rotate the configured admin client or take its admin scope or audience', async () => {
    const cases: [string, () => Promise<ApiResponse<{ error: string; error_description: string }>>, RegExp][] = [
      ['disable', () => adminA.patch(`/admin/clients/${ADMIN_ID}`, { enabled: false }), /cannot be disabled/],
      ['delete', () => adminA.delete(`/admin/clients/${ADMIN_ID}`), /cannot be deleted/],
      ['rotate', () => adminA.post(`/admin/clients/${ADMIN_ID}/secret`, {}), /its secret follows ADMIN_CLIENT_SECRET/],
      ['scope', () => adminA.patch(`/admin/clients/${ADMIN_ID}`, { scope: 'orders.read' }), /must keep the admin scope "admin"/],
      ['audience', () => adminA.patch(`/admin/clients/${ADMIN_ID}`, { audience: ['https://x.example'] }), /must keep the admin audience/],
    ];
    const before = await a.db.query(`SELECT * FROM oauth_clients WHERE client_id = $1`, [ADMIN_ID]);
    for (const [, run, reason] of cases) {
      const res = await run();
      expect(res.status).toBe(409);
      expect(res.body.error).toBe('conflict');
      expect(res.body.error_description).toMatch(/configured admin client \(ADMIN_CLIENT_ID\)/);
      expect(res.body.error_description).toMatch(reason);
    }
    expect(await a.db.query(`SELECT * FROM oauth_clients WHERE client_id = $1`, [ADMIN_ID])).toEqual(before);
    // Harmless changes still work.
    expect((await adminA.patch(`/admin/clients/${ADMIN_ID}`, { client_name: 'ops', scope: 'admin orders.read' })).status).toBe(200);
  });
});
