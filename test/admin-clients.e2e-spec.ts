import { decodeJwt } from 'jose';
import { adminApi, adminToken, requestToken } from './support/admin-api';
import { expectedClientView, insertClient, viewTimestamps } from './support/clients';
import { postForm, startTestApp, type TestApp } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const GENERATED_SECRET = /^[A-Za-z0-9_-]{43}$/;

interface ClientRow {
  client_id: string;
  secret_hash: string;
  created_at: Date;
  updated_at: Date;
}

describe('admin API: clients', () => {
  let t: TestApp;
  let api: ReturnType<typeof adminApi>;

  beforeAll(async () => {
    t = await startTestApp({ MAX_ACCESS_TOKEN_TTL: '20000' });
    api = adminApi(t, await adminToken(t));
  });
  afterAll(async () => {
    await t?.close();
  });

  async function row(clientId: string): Promise<ClientRow> {
    const [r] = await t.db.query<ClientRow>('SELECT * FROM oauth_clients WHERE client_id = $1', [clientId]);
    return r;
  }

  it('POST /admin/clients registers a client with a generated id and secret, shown once, usable at once', async () => {
    const res = await api.post('/admin/clients', { scope: 'orders.read orders.write', client_name: 'Orders' });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { client_id: id, client_secret: secret } = res.body;
    expect(id).toMatch(UUID);
    expect(secret).toMatch(GENERATED_SECRET);
    const r = await row(id);
    expect(res.body).toEqual(
      expectedClientView({
        client_id: id,
        client_name: 'Orders',
        scope: 'orders.read orders.write',
        ...viewTimestamps(r),
        client_secret: secret,
      }),
    );
    // A generated secret (256 random bits) is stored as a SHA-256 digest: no slow hash for a stranger to lean on.
    expect(r.secret_hash).toMatch(/^\$sha256\$[A-Za-z0-9+/]{43}$/);
    expect(JSON.stringify(r)).not.toContain(secret);

    const token = await requestToken(t, id, secret);
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'Bearer', scope: 'orders.read orders.write', expires_in: 14400 });
  });

  it('POST /admin/clients takes every RFC 7591 field given', async () => {
    const secret = 'a-given-secret-that-is-long-enough-0123456789';
    const res = await api.post('/admin/clients', {
      client_id: 'billing: service+1',
      client_name: 'Billing',
      scope: 'billing.read billing.read billing.write',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      access_token_ttl: 600,
      audience: ['https://billing.example', 'https://ledger.example'],
      introspect_any_token: true,
      client_secret: secret,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(
      expectedClientView({
        client_id: 'billing: service+1',
        client_name: 'Billing',
        scope: 'billing.read billing.write',
        token_endpoint_auth_method: 'client_secret_post',
        access_token_ttl: 600,
        audience: ['https://billing.example', 'https://ledger.example'],
        introspect_any_token: true,
        ...viewTimestamps(await row('billing: service+1')),
        client_secret: secret,
      }),
    );
    const [flags] = await t.db.query<{ introspect_any: boolean }>('SELECT introspect_any FROM oauth_clients WHERE client_id = $1', [
      'billing: service+1',
    ]);
    expect(flags.introspect_any).toBe(true);

    // client_secret_post as registered; the default audience is the first; the TTL is the client's.
    const token = await postForm(`${t.baseUrl}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: 'billing: service+1',
      client_secret: secret,
    });
    expect(token.status).toBe(200);
    expect(token.body.expires_in).toBe(600);
    expect(decodeJwt(token.body.access_token as string)).toMatchObject({ aud: 'https://billing.example', sub: 'billing: service+1' });
  });

  it('never shows a secret again: not in GET, list, PATCH, rotation or audit responses', async () => {
    const created = await api.post('/admin/clients', { client_id: 'secretive', scope: 'a' });
    const secret = created.body.client_secret as string;
    const responses = [
      await api.get('/admin/clients/secretive'),
      await api.get('/admin/clients?limit=1000'),
      await api.patch('/admin/clients/secretive', { client_name: 'Renamed' }),
      await api.get('/admin/audit?limit=1000'),
    ];
    for (const r of responses) {
      expect(r.status).toBe(200);
      expect(r.text).not.toContain(secret);
      expect(r.text).not.toMatch(/secret_hash|scrypt|"client_secret"/);
    }
    const rotated = await api.post('/admin/clients/secretive/secret', { grace_seconds: 60 });
    expect(rotated.text).not.toContain(secret);
    expect(Object.keys(rotated.body)).not.toContain('previous_secret');
    expect(t.logs.join('\n')).not.toContain(secret);
    expect(t.logs.join('\n')).not.toContain(rotated.body.client_secret);
  });

  it('GET /admin/clients/{client_id} shows the client exactly as registered', async () => {
    const created = await api.post('/admin/clients', { client_id: 'shown', scope: 'x y', audience: ['https://x'] });
    const { client_secret: _secret, ...view } = created.body;
    const res = await api.get('/admin/clients/shown');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(view);
    // Path segments are percent-decoded, so ids with reserved characters are reachable.
    expect((await api.get(`/admin/clients/${encodeURIComponent('billing: service+1')}`)).body.client_id).toBe('billing: service+1');
  });

  it('PATCH /admin/clients/{client_id} changes only the fields given', async () => {
    const created = await api.post('/admin/clients', { client_id: 'patched', scope: 'a b', client_name: 'Before', access_token_ttl: 300 });
    const res = await api.patch('/admin/clients/patched', {
      scope: 'a c',
      client_name: null,
      access_token_ttl: null,
      audience: ['https://new'],
      token_endpoint_auth_method: 'client_secret_post',
      introspect_any_token: true,
      enabled: false,
    });
    expect(res.status).toBe(200);
    const r = await row('patched');
    expect(res.body).toEqual(
      expectedClientView({
        client_id: 'patched',
        scope: 'a c',
        token_endpoint_auth_method: 'client_secret_post',
        audience: ['https://new'],
        introspect_any_token: true,
        enabled: false,
        ...viewTimestamps(r),
      }),
    );
    expect(r.updated_at.getTime()).toBeGreaterThan(new Date(created.body.updated_at as string).getTime());
    expect(res.body.created_at).toBe(created.body.created_at);

    // An empty patch changes nothing and records nothing.
    const audits = await t.db.query('SELECT id FROM audit_log WHERE client_id = $1', ['patched']);
    const same = await api.patch('/admin/clients/patched', {});
    expect(same.status).toBe(200);
    expect(same.body).toEqual(res.body);
    expect(await t.db.query('SELECT id FROM audit_log WHERE client_id = $1', ['patched'])).toEqual(audits);
  });

  it('POST /admin/clients/{client_id}/secret returns the new secret once, with the grace end', async () => {
    await api.post('/admin/clients', { client_id: 'rotated', scope: 'a' });
    const before = Date.now();
    const res = await api.post('/admin/clients/rotated/secret', { grace_seconds: 120 });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const r = await row('rotated');
    expect(res.body).toEqual(
      expectedClientView({
        client_id: 'rotated',
        scope: 'a',
        ...viewTimestamps(r),
        client_secret: expect.stringMatching(GENERATED_SECRET),
        previous_secret_expires_at: expect.any(Number),
        tokens_revoked_before: null,
      }),
    );
    const graceEnd = res.body.previous_secret_expires_at as number;
    expect(graceEnd).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 119);
    expect(graceEnd).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 120);

    // Without a body (and without grace) the previous secret stops at once.
    const immediate = await api.post('/admin/clients/rotated/secret');
    expect(immediate.status).toBe(200);
    expect(immediate.body.previous_secret_expires_at).toBeNull();
    const [stored] = await t.db.query<{ previous_secret_hash: string | null }>(
      'SELECT previous_secret_hash FROM oauth_clients WHERE client_id = $1',
      ['rotated'],
    );
    expect(stored.previous_secret_hash).toBeNull();
  });

  it('answers 404 for an unknown client on every per-client route', async () => {
    for (const [method, path, body] of [
      ['GET', '/admin/clients/nobody', undefined],
      ['PATCH', '/admin/clients/nobody', { enabled: false }],
      ['DELETE', '/admin/clients/nobody', undefined],
      ['POST', '/admin/clients/nobody/secret', { grace_seconds: 1 }],
      ['GET', '/admin/clients/a%00b', undefined],
      ['GET', `/admin/clients/${'n'.repeat(300)}`, undefined],
    ] as const) {
      const res =
        method === 'GET'
          ? await api.get(path)
          : method === 'PATCH'
            ? await api.patch(path, body)
            : method === 'DELETE'
              ? await api.delete(path)
              : await api.post(path, body);
      expect([method, path, res.status, res.body.error]).toEqual([method, path, 404, 'not_found']);
    }
    expect((await api.get('/admin/clients/nobody')).body).toEqual({
      error: 'not_found',
      error_description: 'No client with client_id "nobody"',
    });
  });

  it('answers 409 for a client_id that is taken', async () => {
    await api.post('/admin/clients', { client_id: 'taken', scope: 'a' });
    const res = await api.post('/admin/clients', { client_id: 'taken', scope: 'b' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'conflict', error_description: 'client_id "taken" is already registered' });
    expect((await api.get('/admin/clients/taken')).body.scope).toBe('a');
  });

  it('DELETE removes the client and reserves its id until its last token would have expired', async () => {
    await api.post('/admin/clients', { client_id: 'short-lived', scope: 'a', access_token_ttl: 2 });
    const res = await api.delete('/admin/clients/short-lived');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await api.get('/admin/clients/short-lived')).status).toBe(404);

    // Never changed since registration: its tokens live 2 s, so the id is reserved for 2 s.
    const [tomb] = await t.db.query<{ deleted_at: Date; blocked_until: Date }>('SELECT * FROM oauth_deleted_clients WHERE client_id = $1', [
      'short-lived',
    ]);
    expect(Math.round((tomb.blocked_until.getTime() - tomb.deleted_at.getTime()) / 1000)).toBe(2);
    const again = await api.post('/admin/clients', { client_id: 'short-lived', scope: 'a' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      error: 'conflict',
      error_description: `client_id "short-lived" belonged to a deleted client and is reserved until ${tomb.blocked_until.toISOString()}, when its last tokens expire`,
    });

    t.clock.advancePast(tomb.blocked_until);
    const later = await api.post('/admin/clients', { client_id: 'short-lived', scope: 'b' });
    expect(later.status).toBe(201);
    expect(later.body.scope).toBe('b');
    expect(await t.db.query('SELECT * FROM oauth_deleted_clients WHERE client_id = $1', ['short-lived'])).toEqual([]);
  });

  it('DELETE of a client changed since registration reserves its id for MAX_ACCESS_TOKEN_TTL', async () => {
    await api.post('/admin/clients', { client_id: 'changed', scope: 'a', access_token_ttl: 5000 });
    await api.patch('/admin/clients/changed', { access_token_ttl: 60 });
    expect((await api.delete('/admin/clients/changed')).status).toBe(204);
    const [tomb] = await t.db.query<{ deleted_at: Date; blocked_until: Date }>('SELECT * FROM oauth_deleted_clients WHERE client_id = $1', [
      'changed',
    ]);
    // Tokens issued before the change may still carry the longer lifetime.
    expect(Math.round((tomb.blocked_until.getTime() - tomb.deleted_at.getTime()) / 1000)).toBe(20000);
  });
});

describe('admin API in production: the playground client (published secret)', () => {
  let t: TestApp;
  let api: ReturnType<typeof adminApi>;

  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production', ISSUER: 'https://auth.example.com/ms-auth-server' });
    api = adminApi(t, await adminToken(t));
    await insertClient(t.db, { clientId: 'service-client-jwt', secret: 'service-client-jwt-secret', enabled: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('cannot be enabled, since the next production start would refuse to run while its published secret works', async () => {
    const res = await api.patch('/admin/clients/service-client-jwt', { enabled: true });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid_client_metadata',
      error_description: 'Invalid value for enabled',
      details: [
        {
          field: 'enabled',
          message:
            'client "service-client-jwt" is the playground client (its secret is published in the quick start) and cannot be enabled in production: register a client under another id',
        },
      ],
    });
    expect(await t.db.query(`SELECT enabled FROM oauth_clients WHERE client_id = 'service-client-jwt'`)).toEqual([{ enabled: false }]);
    expect((await api.patch('/admin/clients/service-client-jwt', { client_name: 'retired playground' })).status).toBe(200);
  });
});
