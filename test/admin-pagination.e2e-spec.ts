import { adminApi, adminToken } from './support/admin-api';
import { startTestApp, type TestApp } from './support/test-app';

describe('admin API: keyset pagination', () => {
  let t: TestApp;
  let api: ReturnType<typeof adminApi>;

  beforeAll(async () => {
    t = await startTestApp();
    api = adminApi(t, await adminToken(t));
    // 250 clients in one statement; the walk below goes through the API.
    await t.db.query(
      `INSERT INTO oauth_clients (client_id, secret_hash, scopes)
       SELECT 'bulk-' || lpad(i::text, 3, '0'), '$scrypt$ln=12,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '{a}'
       FROM generate_series(1, 250) AS i`,
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('walks 250 clients in pages of 100 without loss or repeat, in client_id order', async () => {
    const expected = (await t.db.query<{ client_id: string }>('SELECT client_id FROM oauth_clients ORDER BY client_id')).map(
      (r) => r.client_id,
    );
    expect(expected).toHaveLength(252); // the 250, the playground client and the admin client

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res: { status: number; body: { items: { client_id: string }[]; next_cursor: string | null } } = await api.get(
        `/admin/clients?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.status).toBe(200);
      sizes.push(res.body.items.length);
      seen.push(...res.body.items.map((c) => c.client_id));
      cursor = res.body.next_cursor;
      if (cursor === null) break;
    }
    expect(sizes).toEqual([100, 100, 52]);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(252);
  });

  it('defaults to 100 per page and ends with next_cursor null on an exact last page', async () => {
    const first = await api.get('/admin/clients');
    expect(first.body.items).toHaveLength(100);
    expect(first.body.next_cursor).toEqual(expect.any(String));

    // limit = the remaining count: the page after holds nothing, so no cursor is handed out.
    const all = await api.get('/admin/clients?limit=252');
    expect(all.body.items).toHaveLength(252);
    expect(all.body.next_cursor).toBeNull();
    const one = await api.get('/admin/clients?limit=1');
    expect(one.body.items.map((c: { client_id: string }) => c.client_id)).toEqual(['bulk-001']);
  });

  it('a cursor stays valid while clients change: later pages see inserts after it, never repeats', async () => {
    const first = await api.get('/admin/clients?limit=10');
    const cursor = first.body.next_cursor as string;
    await api.delete('/admin/clients/bulk-011');
    await api.post('/admin/clients', { client_id: 'bulk-010a', scope: 'a' });
    await api.post('/admin/clients', { client_id: 'bulk-000', scope: 'a' });
    const next = await api.get(`/admin/clients?limit=3&cursor=${cursor}`);
    expect(next.body.items.map((c: { client_id: string }) => c.client_id)).toEqual(['bulk-010a', 'bulk-012', 'bulk-013']);
  });

  it('walks the audit trail newest first without loss or repeat', async () => {
    for (let i = 0; i < 5; i++) await api.patch('/admin/clients/bulk-100', { client_name: `name ${i}` });
    const ids = (await t.db.query<{ id: string }>('SELECT id::text AS id FROM audit_log ORDER BY audit_log.id DESC')).map((r) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(8);

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const res: { body: { items: { id: string }[]; next_cursor: string | null } } = await api.get(
        `/admin/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...res.body.items.map((e) => e.id));
      cursor = res.body.next_cursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(ids);
  });
});
