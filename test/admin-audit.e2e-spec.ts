import { adminApi, adminToken } from './support/admin-api';
import { ADMIN_ID, startTestApp, type TestApp } from './support/test-app';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** Every change made through the admin API names its route and the admin token (its jti) that made it. */
const VIA_ADMIN_API = { via: 'admin_api', token_id: expect.stringMatching(/^[A-Za-z0-9_-]+$/) };

describe('admin API: audit trail', () => {
  let t: TestApp;
  let api: ReturnType<typeof adminApi>;

  beforeAll(async () => {
    t = await startTestApp();
    api = adminApi(t, await adminToken(t));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records who changed which client, how and when, newest first, without any secret', async () => {
    const secret = 'an-operator-chosen-secret-0123456789abcdef';
    const created = await api.post('/admin/clients', {
      client_id: 'audited',
      scope: 'a b',
      client_secret: secret,
      audience: ['https://api'],
    });
    await api.patch('/admin/clients/audited', { scope: 'a', enabled: false });
    const rotated = await api.post('/admin/clients/audited/secret', { grace_seconds: 30 });
    await api.delete('/admin/clients/audited');

    const res = await api.get('/admin/audit');
    expect(res.status).toBe(200);
    expect(res.body.next_cursor).toBeNull();
    const rows = await t.db.query<{ id: string; at: Date; details: Record<string, string> }>(
      `SELECT id::text AS id, at, details FROM audit_log WHERE client_id = 'audited' ORDER BY id DESC`,
    );
    expect(rows).toHaveLength(4);
    const at = (i: number) => rows[i].at.toISOString();
    expect(res.body.items.slice(0, 4)).toEqual([
      {
        id: rows[0].id,
        at: at(0),
        actor: ADMIN_ID,
        action: 'client.deleted',
        client_id: 'audited',
        details: { blocked_until: expect.stringMatching(ISO), ...VIA_ADMIN_API },
      },
      {
        id: rows[1].id,
        at: at(1),
        actor: ADMIN_ID,
        action: 'client.secret_rotated',
        client_id: 'audited',
        details: { grace_seconds: 30, previous_secret_expires_at: expect.stringMatching(ISO), ...VIA_ADMIN_API },
      },
      {
        id: rows[2].id,
        at: at(2),
        actor: ADMIN_ID,
        action: 'client.updated',
        client_id: 'audited',
        details: {
          changes: { scope: { from: 'a b', to: 'a' }, enabled: { from: true, to: false } },
          tokens_revoked_before: expect.stringMatching(ISO),
          cutoff_reason: 'disabled',
          ...VIA_ADMIN_API,
        },
      },
      {
        id: rows[3].id,
        at: at(3),
        actor: ADMIN_ID,
        action: 'client.created',
        client_id: 'audited',
        details: {
          client_name: null,
          scope: 'a b',
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'client_secret_basic',
          access_token_ttl: null,
          audience: ['https://api'],
          introspect_any_token: false,
          enabled: true,
          secret_source: 'given',
          ...VIA_ADMIN_API,
        },
      },
    ]);
    expect(Number(rows[0].id)).toBeGreaterThan(Number(rows[3].id));
    // Older still: the first start's own changes, each with its row (the seeded clients, the first signing key).
    const startup = (res.body.items as { actor: string; action: string; client_id: string | null }[]).slice(4);
    expect(startup.map((e) => [e.actor, e.action, e.client_id]).sort()).toEqual([
      ['system:bootstrap', 'client.created', 'service-client-jwt'],
      ['system:bootstrap', 'client.created', ADMIN_ID],
      ['system:startup', 'keys.activated', null],
    ]);

    // Neither the audit table nor the log holds a secret or a hash.
    const everything = JSON.stringify(await t.db.query('SELECT * FROM audit_log')) + t.logs.join('\n');
    for (const s of [secret, rotated.body.client_secret as string]) expect(everything).not.toContain(s);
    expect(everything).not.toContain('$scrypt$');
    expect(everything).not.toContain('$sha256$');
    expect(created.status).toBe(201);

    // Each change is also in the log, with the same actor and action.
    const lines = t.logs
      .map((l) => JSON.parse(l) as { context?: string; msg?: string })
      .filter((l) => l.context === 'Changes' && l.msg?.includes('"audited"'))
      .map((l) => l.msg!);
    expect(lines.map((l) => /client\.\w+/.exec(l)?.[0])).toEqual([
      'client.created',
      'client.updated',
      'client.secret_rotated',
      'client.deleted',
    ]);
    for (const l of lines) expect(l).toContain(`by "${ADMIN_ID}"`);
  });

  it('records nothing for a refused change', async () => {
    const before = await t.db.query('SELECT id FROM audit_log');
    expect((await api.post('/admin/clients', { scope: '' })).status).toBe(400);
    expect((await api.patch('/admin/clients/nobody', { enabled: false })).status).toBe(404);
    expect((await api.post('/admin/clients', { client_id: 'service-client-jwt', scope: 'a' })).status).toBe(409);
    expect(await t.db.query('SELECT id FROM audit_log')).toEqual(before);
  });
});
