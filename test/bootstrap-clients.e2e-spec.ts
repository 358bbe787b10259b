import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from './support/database';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

describe('bootstrap clients on a shared database (DATABASE_URL)', () => {
  let t: TestApp;
  const dataDir = mkdtempSync(join(tmpdir(), 'ms-auth-bootstrap-'));

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_CLIENT_ID: '', ADMIN_CLIENT_SECRET: '', DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates no generated admin client and writes no secret file without ADMIN_CLIENT_ID/SECRET', async () => {
    expect(await t.db.query(`SELECT client_id FROM oauth_clients WHERE 'admin' = ANY(scopes)`)).toEqual([]);
    expect(existsSync(join(dataDir, 'admin-client.json'))).toBe(false);
    expect(t.logs.some((l) => l.includes('no admin client configured'))).toBe(true);
  });

  it('still seeds the playground client outside production', async () => {
    const r = await postForm(
      `${t.baseUrl}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic('service-client-jwt', 'service-client-jwt-secret') },
    );
    expect(r.status).toBe(200);
  });
});

describe('bootstrap admin client from ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET', () => {
  it('records its creation, and a later start that changes its secret, in the audit trail', async () => {
    const db = await createTestDatabase();
    const env = {
      ADMIN_CLIENT_ID: 'ops-admin',
      KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
      // The same issuer (hence admin audience) for both starts, whatever port each one gets.
      ISSUER: 'http://auth.example.test/ms-auth-server',
    };
    try {
      await (await startTestApp({ ...env, ADMIN_CLIENT_SECRET: 'first-secret-0123456789abcdef0123456789' }, db)).close();
      const second = await startTestApp({ ...env, ADMIN_CLIENT_SECRET: 'second-secret-0123456789abcdef012345678' }, db);
      await second.close();
      const rows = await db.query(`SELECT actor, action, details FROM audit_log WHERE client_id = 'ops-admin' ORDER BY id`);
      expect(rows).toEqual([
        { actor: 'system:bootstrap', action: 'client.created', details: { reason: 'ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET' } },
        {
          actor: 'system:bootstrap',
          action: 'client.updated',
          details: { source: 'ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET', secret_replaced: true },
        },
      ]);
      expect(JSON.stringify(rows)).not.toContain('second-secret');
    } finally {
      await db.drop();
    }
  });
});
