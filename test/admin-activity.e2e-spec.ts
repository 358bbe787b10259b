import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminApi, requestToken } from './support/admin-api';
import { cliEnvFor, runCli } from './support/cli';
import { createTestDatabase, type TestDatabase } from './support/database';
import { startTestApp, type TestApp } from './support/test-app';

/*
 * What the console's dashboard and audit page read: this instance's recent token traffic, and the audit trail
 * filtered by client, actor and action; each also from the command line (the built CLI: npm test builds first).
 */
describe('admin activity and audit filters', () => {
  let db: TestDatabase;
  let t: TestApp;
  let env: Record<string, string>;
  let dataDir: string;
  let admin: ReturnType<typeof adminApi>;
  let secret: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'activity-e2e-'));
    t = await startTestApp({ KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url') }, db);
    env = cliEnvFor(t, { DATA_DIR: dataDir });
    admin = adminApi(t);
    const created = await admin.post('/admin/clients', { client_id: 'orders', scope: 'orders.read' });
    secret = created.body.client_secret;
    for (let i = 0; i < 3; i++) expect((await requestToken(t, 'orders', secret)).status).toBe(200);
    expect((await requestToken(t, 'orders', 'wrong-secret-wrong-secret-wrong-secret')).status).toBe(401);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('GET /admin/activity: the last 60 minutes with the tokens issued, the failures, the top client and latency', async () => {
    const res = await admin.get('/admin/activity');
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('instance');
    expect(res.body.minutes).toHaveLength(60);
    const minutes: any[] = res.body.minutes;
    expect(Date.now() - Date.parse(minutes[59].start)).toBeLessThan(120_000);
    // Summed over the window, so a minute boundary during the suite does not matter. The admin token requests
    // of this suite count too; "orders" got exactly 3.
    expect(minutes.reduce((n, m) => n + m.tokens_issued, 0)).toBeGreaterThanOrEqual(3);
    expect(minutes.reduce((n, m) => n + m.auth_failures, 0)).toBe(1);
    expect(
      minutes
        .flatMap((m) => m.top_clients)
        .filter((c) => c.client_id === 'orders')
        .reduce((n, c) => n + c.tokens, 0),
    ).toBe(3);
    expect(res.body.top_clients).toContainEqual({ client_id: 'orders', tokens: 3 });
    const latest = minutes.filter((m) => m.latency_p50_ms !== null).at(-1);
    expect(latest.latency_p50_ms).toBeGreaterThan(0);
    expect(latest.latency_p99_ms).toBeGreaterThanOrEqual(latest.latency_p50_ms);
  });

  it('GET /admin/activity/last-token: when this instance last issued a token to each named client', async () => {
    const res = await admin.get('/admin/activity/last-token?client_id=orders&client_id=never-seen');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.last_token_issued)).toEqual(['orders']);
    expect(Date.now() - Date.parse(res.body.last_token_issued.orders)).toBeLessThan(120_000);
    const missing = await admin.get('/admin/activity/last-token');
    expect(missing.status).toBe(400);
    expect(missing.body.details[0].field).toBe('client_id');
  });

  it('is behind the admin bearer guard', async () => {
    const res = await fetch(`${t.baseUrl}/admin/activity`);
    expect(res.status).toBe(401);
    const client = await requestToken(t, 'orders', secret);
    const refused = await fetch(`${t.baseUrl}/admin/activity`, {
      headers: { authorization: `Bearer ${client.body.access_token as string}` },
    });
    expect(refused.status).toBe(401);
  });

  it('GET /admin/audit filters by client, actor and action (exact matches, all must hold)', async () => {
    await admin.patch('/admin/clients/orders', { client_name: 'Orders' });
    await admin.post('/admin/clients', { client_id: 'other', scope: 'x' });
    const byClient = await admin.get('/admin/audit?client_id=orders');
    expect(byClient.body.items.map((e: any) => e.action)).toEqual(['client.updated', 'client.created']);
    const byAction = await admin.get('/admin/audit?action=client.created&actor=test-admin');
    expect(byAction.body.items.map((e: any) => e.client_id)).toEqual(['other', 'orders']);
    const paged = await admin.get('/admin/audit?action=client.created&limit=1');
    expect(paged.body.items.map((e: any) => e.client_id)).toEqual(['other']);
    const next = await admin.get(`/admin/audit?action=client.created&limit=1&cursor=${encodeURIComponent(paged.body.next_cursor)}`);
    expect(next.body.items.map((e: any) => e.client_id)).toContain('orders');
    expect((await admin.get('/admin/audit?actor=nobody')).body.items).toEqual([]);
    const bad = await admin.get(`/admin/audit?client_id=${'x'.repeat(300)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('client_id');
  });

  it('the CLI reads the filtered audit trail and a running server’s activity', async () => {
    const audit = await runCli(['audit', '--client-id', 'orders', '--action', 'client.updated'], env);
    expect(audit.code).toBe(0);
    expect(audit.json.items).toHaveLength(1);
    expect(audit.json.items[0]).toMatchObject({ client_id: 'orders', action: 'client.updated', actor: 'test-admin' });

    const activity = await runCli(['activity', '--url', t.baseUrl], env);
    expect(activity.code).toBe(0);
    expect(activity.json.minutes).toHaveLength(60);
    // 3 tokens at the start, 1 more in the guard test.
    expect(activity.json.top_clients).toContainEqual({ client_id: 'orders', tokens: 4 });
  });
});
