import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminApi, adminToken, call, requestToken } from './support/admin-api';
import { ADMIN_ID, startTestApp, type TestApp } from './support/test-app';

const FILE = {
  managed_by: 'platform/clients',
  trusted_issuers: [{ issuer: 'https://token.actions.githubusercontent.com', signing_alg_values: ['RS256'] }],
  clients: [
    { client_id: 'orders', client_name: 'Orders', scope: 'orders.read orders.write', audience: ['https://orders.example'] },
    { client_id: 'billing', scope: 'billing.read', access_token_ttl: 300 },
    {
      client_id: 'deployer',
      scope: 'orders.read',
      token_endpoint_auth_method: 'private_key_jwt',
      federated_credentials: [
        { issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:acme/orders:environment:production' },
      ],
    },
  ],
};

describe('Clients as code over REST ({BASE}/admin/config)', () => {
  let t: TestApp;
  let token: string;
  let admin: ReturnType<typeof adminApi>;

  beforeAll(async () => {
    t = await startTestApp();
    token = await adminToken(t);
    admin = adminApi(t, token);
  });
  afterAll(() => t?.close());

  it('publishes the JSON Schema behind the admin scope, identical to the checked-in schema/config.schema.json', async () => {
    const res = await admin.get('/admin/schema/config.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/schema\+json/);
    expect(res.body).toEqual(JSON.parse(readFileSync(join(__dirname, '..', 'schema', 'config.schema.json'), 'utf8')));
    expect((await call(t, 'GET', '/admin/schema/config.json')).status).toBe(401);
  });

  it('plans, applies once (new secrets shown once and working), then has nothing left to do', async () => {
    const plan = await admin.post('/admin/config/plan', FILE);
    expect(plan.status).toBe(200);
    expect(plan.body.changes.map((c: any) => `${c.action} ${c.kind} ${c.id}`)).toEqual([
      'create trusted_issuer https://token.actions.githubusercontent.com',
      'create client orders',
      'create client billing',
      'create client deployer',
    ]);
    expect(plan.body.changes[1].fields).toContainEqual({ field: 'managed_by', to: 'platform/clients' });

    const apply = await admin.post('/admin/config/apply', FILE);
    expect(apply.status).toBe(200);
    expect(apply.headers.get('cache-control')).toBe('no-store');
    const orders = apply.body.changes.find((c: any) => c.id === 'orders');
    expect(orders.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // private_key_jwt: no secret exists to show.
    expect(apply.body.changes.find((c: any) => c.id === 'deployer').client_secret).toBeUndefined();
    const tokenRes = await requestToken(t, 'orders', orders.client_secret);
    expect(tokenRes.status).toBe(200);
    expect((await admin.get('/admin/clients/billing')).body).toMatchObject({ access_token_ttl: 300, managed_by: 'platform/clients' });

    // Idempotent: the same file again changes nothing and says so.
    expect((await admin.post('/admin/config/plan', FILE)).body).toEqual({ changes: [] });
    expect((await admin.post('/admin/config/apply', FILE)).body).toEqual({ changes: [] });
  });

  it('round trip: export, apply the export, plan the export = no change', async () => {
    const exported = await admin.get('/admin/config/export?managed_by=platform%2Fclients');
    expect(exported.status).toBe(200);
    expect(exported.body.managed_by).toBe('platform/clients');
    expect(exported.body.clients.map((c: any) => c.client_id).sort()).toEqual(['billing', 'deployer', 'orders']);
    expect(exported.body.clients.find((c: any) => c.client_id === 'billing')).toEqual({
      client_id: 'billing',
      scope: 'billing.read',
      access_token_ttl: 300,
    });
    expect((await admin.post('/admin/config/apply', exported.body)).body).toEqual({ changes: [] });
    expect((await admin.post('/admin/config/plan', exported.body)).body).toEqual({ changes: [] });
    // Without a label: the clients no file manages (the start of adopting a server), which also plans to nothing.
    const unmanaged = await admin.get('/admin/config/export');
    expect(unmanaged.body.managed_by).toBeUndefined();
    expect(unmanaged.body.clients.map((c: any) => c.client_id)).toContain(ADMIN_ID);
    expect(unmanaged.body.clients.map((c: any) => c.client_id)).not.toContain('orders');
    expect((await admin.post('/admin/config/plan', unmanaged.body)).body).toEqual({ changes: [] });
  });

  it('updates field by field, and a field removed from the file returns to its default', async () => {
    const file = structuredClone(FILE);
    file.clients[0] = { client_id: 'orders', scope: 'orders.read', audience: ['https://orders.example'] } as any;
    const plan = await admin.post('/admin/config/plan', file);
    expect(plan.body.changes).toEqual([
      {
        kind: 'client',
        id: 'orders',
        action: 'update',
        fields: [
          { field: 'client_name', from: 'Orders', to: null },
          { field: 'scope', from: 'orders.read orders.write', to: 'orders.read' },
        ],
      },
    ]);
    expect((await admin.post('/admin/config/apply', file)).status).toBe(200);
    expect((await admin.get('/admin/clients/orders')).body).toMatchObject({ client_name: null, scope: 'orders.read' });
    expect((await admin.post('/admin/config/apply', FILE)).status).toBe(200);
  });

  it('prunes only the clients carrying the file’s label: disable, then delete; hand-made clients are never touched', async () => {
    expect((await admin.post('/admin/clients', { client_id: 'by-hand', scope: 'x' })).status).toBe(201);
    const file = { ...FILE, clients: FILE.clients.filter((c) => c.client_id !== 'billing') };
    // Without prune nothing happens to billing.
    expect((await admin.post('/admin/config/plan', file)).body).toEqual({ changes: [] });

    const disable = await admin.post('/admin/config/apply?prune=disable', file);
    expect(disable.body.changes).toEqual([
      { kind: 'client', id: 'billing', action: 'disable', fields: [{ field: 'enabled', from: true, to: false }] },
    ]);
    expect((await admin.get('/admin/clients/billing')).body.enabled).toBe(false);

    const del = await admin.post('/admin/config/apply?prune=delete', file);
    expect(del.body.changes).toEqual([{ kind: 'client', id: 'billing', action: 'delete', fields: [] }]);
    expect((await admin.get('/admin/clients/billing')).status).toBe(404);
    expect((await admin.get('/admin/clients/by-hand')).status).toBe(200);
    expect((await admin.get(`/admin/clients/${ADMIN_ID}`)).status).toBe(200);
  });

  it('prune needs the file to say what it owns (managed_by), and prune takes delete or disable', async () => {
    const res = await admin.post('/admin/config/plan?prune=delete', { clients: [] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_client_metadata', details: [{ field: 'managed_by' }] });
    const bad = await admin.post('/admin/config/plan?prune=yes', FILE);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_request', details: [{ field: 'prune', message: 'prune must be delete or disable' }] });
  });

  it('rejects an unknown field by its path and entry, and every wrong field at once, before changing anything', async () => {
    const res = await admin.post('/admin/config/plan', {
      colour: 'red',
      clients: [
        { client_id: 'ok', scope: 'a' },
        { client_id: 'typo', scope: 'a', audiences: ['https://x'] },
        { client_id: 'secretive', scope: 'a', client_secret: 'never-in-a-file-0123456789abcdef' },
        { client_id: 'ok', scope: 'a b  c' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client_metadata');
    expect(res.body.details).toEqual([
      { field: 'colour', message: 'property colour should not exist (allowed: $schema, managed_by, clients, trusted_issuers)' },
      { field: 'clients.1.audiences', message: 'property audiences should not exist (client_id "typo")' },
      { field: 'clients.2.client_secret', message: 'property client_secret should not exist (client_id "secretive")' },
      { field: 'clients.3.scope', message: 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3) (client_id "ok")' },
      { field: 'clients.3.client_id', message: 'client_id "ok" is listed twice' },
    ]);
    expect((await admin.get('/admin/clients/ok')).status).toBe(404);
  });

  it('names an entry that is not an object, and a document that is not one', async () => {
    const entry = await admin.post('/admin/config/plan', { clients: ['orders'] });
    expect(entry.body.details).toEqual([{ field: 'clients.0', message: 'each entry of clients must be an object' }]);
    const list = await admin.post('/admin/config/plan', [{ client_id: 'x', scope: 'a' }]);
    expect([list.status, list.body.details[0].field]).toEqual([400, 'document']);
  });

  it('refuses to touch a client another file manages (409 naming it)', async () => {
    const res = await admin.post('/admin/config/plan', { managed_by: 'another-repo', clients: [{ client_id: 'orders', scope: 'x' }] });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'conflict', client_ids: ['orders'] });
    expect(res.body.error_description).toContain('client "orders" is managed by "platform/clients"');
  });

  it('a failed change stops the run with the earlier changes made and reported; rerunning the fixed file finishes', async () => {
    const file = {
      managed_by: 'second-repo',
      clients: [
        { client_id: 'first', scope: 'a' },
        // Federation with an issuer nobody trusts: refused by the service, after `first` was created.
        {
          client_id: 'second',
          scope: 'a',
          token_endpoint_auth_method: 'private_key_jwt',
          federated_credentials: [{ issuer: 'https://untrusted.example', subject: 's' }],
        },
        { client_id: 'third', scope: 'a' },
      ],
    };
    const failed = await admin.post('/admin/config/apply', file);
    expect(failed.status).toBe(400);
    expect(failed.body.error).toBe('invalid_client_metadata');
    expect(failed.body.error_description).toMatch(/^create client "second" failed after 1 change\(s\): /);
    expect(failed.body.changes).toEqual([expect.objectContaining({ id: 'first', action: 'create', client_secret: expect.any(String) })]);
    expect(failed.body.failed_change).toMatchObject({ kind: 'client', id: 'second', action: 'create' });
    expect((await admin.get('/admin/clients/first')).status).toBe(200);
    expect((await admin.get('/admin/clients/third')).status).toBe(404);

    const fixed = { ...file, trusted_issuers: [{ issuer: 'https://untrusted.example' }] };
    const rerun = await admin.post('/admin/config/apply', fixed);
    expect(rerun.status).toBe(200);
    expect(rerun.body.changes.map((c: any) => `${c.action} ${c.id}`)).toEqual([
      'create https://untrusted.example',
      'create second',
      'create third',
    ]);
    expect((await admin.post('/admin/config/plan', fixed)).body).toEqual({ changes: [] });
  });

  it('audits each applied change with its route (apply) and the admin token that made it; the admin API as admin_api', async () => {
    expect((await admin.patch('/admin/clients/by-hand', { client_name: 'Hand' })).status).toBe(200);
    const audit = await admin.get('/admin/audit?limit=100');
    const { jti } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    const third = audit.body.items.find((e: any) => e.action === 'client.created' && e.client_id === 'third');
    expect(third).toMatchObject({ actor: ADMIN_ID, details: { via: 'apply', token_id: jti } });
    const patched = audit.body.items.find((e: any) => e.action === 'client.updated' && e.client_id === 'by-hand');
    expect(patched).toMatchObject({ actor: ADMIN_ID, details: { via: 'admin_api', token_id: jti } });
    // Never a secret in the trail.
    expect(JSON.stringify(audit.body)).not.toMatch(/client_secret"/);
  });
});
