import { decodeJwt } from 'jose';
import { adminApi, adminToken, requestToken } from './support/admin-api';
import { onceClientKnown } from './support/change-feed';
import { postForm, startTestApp, type TestApp } from './support/test-app';

/**
 * A change made through the admin API takes effect on the very next token request, also when the client
 * was already cached by a successful one (on another instance: within one change-feed poll).
 */
describe('admin API: changes take effect on the next token request', () => {
  let t: TestApp;
  let api: ReturnType<typeof adminApi>;

  beforeAll(async () => {
    t = await startTestApp({ CHANGE_POLL_INTERVAL_MS: '100' });
    api = adminApi(t, await adminToken(t));
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Registers a client and makes one successful token request, so this instance has it cached. */
  async function cachedClient(id: string, metadata: Record<string, unknown> = {}): Promise<string> {
    const res = await api.post('/admin/clients', { client_id: id, scope: 'read write', ...metadata });
    expect(res.status).toBe(201);
    const secret = res.body.client_secret as string;
    expect((await requestToken(t, id, secret)).status).toBe(200);
    return secret;
  }

  function expectInvalidClient(res: { status: number; headers: Headers; body: Record<string, unknown> }): void {
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
    expect(res.headers.get('www-authenticate')).toBe(`Basic realm="${t.issuer}"`);
  }

  it('a disabled client gets invalid_client, and tokens again once enabled', async () => {
    const secret = await cachedClient('to-disable');
    expect((await api.patch('/admin/clients/to-disable', { enabled: false })).status).toBe(200);
    expectInvalidClient(await requestToken(t, 'to-disable', secret));
    expect((await api.patch('/admin/clients/to-disable', { enabled: true })).status).toBe(200);
    expect((await requestToken(t, 'to-disable', secret)).status).toBe(200);
  });

  it('a deleted client gets invalid_client', async () => {
    const secret = await cachedClient('to-delete');
    expect((await api.delete('/admin/clients/to-delete')).status).toBe(204);
    expectInvalidClient(await requestToken(t, 'to-delete', secret));
  });

  it('a rotated secret stops working at once without grace; the new one works at once', async () => {
    const old = await cachedClient('to-rotate');
    const rotated = await api.post('/admin/clients/to-rotate/secret');
    expect(rotated.status).toBe(200);
    expectInvalidClient(await requestToken(t, 'to-rotate', old));
    expect((await requestToken(t, 'to-rotate', rotated.body.client_secret as string)).status).toBe(200);
  });

  it('with a grace period both secrets work until it ends, then only the new one', async () => {
    const old = await cachedClient('graceful');
    const rotated = await api.post('/admin/clients/graceful/secret', { grace_seconds: 2 });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.client_secret as string;
    expect((await requestToken(t, 'graceful', old)).status).toBe(200);
    expect((await requestToken(t, 'graceful', fresh)).status).toBe(200);
    expect((await requestToken(t, 'graceful', old)).status).toBe(200);

    const [{ previous_secret_expires_at: end }] = await t.db.query<{ previous_secret_expires_at: Date }>(
      `SELECT previous_secret_expires_at FROM oauth_clients WHERE client_id = 'graceful'`,
    );
    t.clock.advancePast(end);
    expectInvalidClient(await requestToken(t, 'graceful', old));
    expect((await requestToken(t, 'graceful', fresh)).status).toBe(200);
  });

  it('a removed scope gets invalid_scope; asking for no scope grants what is left', async () => {
    const secret = await cachedClient('narrowed');
    expect((await requestToken(t, 'narrowed', secret, { scope: 'write' })).status).toBe(200);
    expect((await api.patch('/admin/clients/narrowed', { scope: 'read' })).status).toBe(200);
    const refused = await requestToken(t, 'narrowed', secret, { scope: 'write' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_scope');
    expect((await requestToken(t, 'narrowed', secret)).body.scope).toBe('read');
  });

  it('a changed authentication method, lifetime and audience apply to the next request', async () => {
    const secret = await cachedClient('reshaped', { audience: ['https://one'] });
    expect(
      (
        await api.patch('/admin/clients/reshaped', {
          token_endpoint_auth_method: 'client_secret_post',
          access_token_ttl: 90,
          audience: ['https://two'],
        })
      ).status,
    ).toBe(200);
    expectInvalidClient(await requestToken(t, 'reshaped', secret));
    const res = await postForm(`${t.baseUrl}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: 'reshaped',
      client_secret: secret,
    });
    expect(res.status).toBe(200);
    expect(res.body.expires_in).toBe(90);
    expect(decodeJwt(res.body.access_token as string).aud).toBe('https://two');
  });

  it('a client without the client_credentials grant type gets unauthorized_client', async () => {
    const secret = await cachedClient('grantless');
    expect((await api.patch('/admin/clients/grantless', { grant_types: [] })).status).toBe(200);
    const res = await requestToken(t, 'grantless', secret);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unauthorized_client');
  });

  it('another instance on the same database follows within one change-feed poll', async () => {
    const other = await startTestApp(
      { CHANGE_POLL_INTERVAL_MS: '100', KEY_ENCRYPTION_KEYS: t.config.keys.encryptionKeys[0].toString('base64url') },
      t.db,
    );
    try {
      const created = await api.post('/admin/clients', { client_id: 'shared', scope: 'read' });
      const secret = created.body.client_secret as string;
      // Created through this instance's API: the other one knows the client after its next poll.
      expect((await onceClientKnown(() => requestToken(other, 'shared', secret))).status).toBe(200);
      expect((await api.patch('/admin/clients/shared', { enabled: false })).status).toBe(200);
      let status = 200;
      for (let i = 0; i < 50 && status === 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await requestToken(other, 'shared', secret)).status;
      }
      expect(status).toBe(401);
    } finally {
      await other.close();
    }
  });
});
