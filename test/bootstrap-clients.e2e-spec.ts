import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestToken } from './support/admin-api';
import { insertClient } from './support/clients';
import { createTestDatabase } from './support/database';
import { ADMIN_ID, ADMIN_SECRET, basic, postForm, startTestApp, type TestApp } from './support/test-app';

describe('bootstrap clients on a shared database (DATABASE_URL)', () => {
  let t: TestApp;
  const dataDir = mkdtempSync(join(tmpdir(), 'ms-auth-bootstrap-'));

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_CLIENT_ID: '', ADMIN_CLIENT_SECRET: '', DATA_DIR: dataDir, SEED_PLAYGROUND_CLIENT: '' });
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

  it('does not seed the playground client (published secret) on a shared database unless SEED_PLAYGROUND_CLIENT=true', async () => {
    const r = await postForm(
      `${t.baseUrl}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic('service-client-jwt', 'service-client-jwt-secret') },
    );
    expect(r.status).toBe(401);
    expect(await t.db.query(`SELECT client_id FROM oauth_clients WHERE client_id = 'service-client-jwt'`)).toEqual([]);
  });
});

describe('the configured admin client follows the configuration, visibly', () => {
  const NEW_SECRET = 'another-admin-secret-0123456789abcdef0123';
  /** The same deployment restarted: same issuer and key-encryption key each time. */
  const SAME = { ISSUER: 'http://auth.test/ms-auth-server', KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url') };

  it('is created with an audit row, takes a new ADMIN_CLIENT_SECRET with an audit row, and is not silently re-enabled', async () => {
    const db = await createTestDatabase();
    try {
      const first = await startTestApp(SAME, db);
      expect(await db.query(`SELECT actor, action FROM audit_log WHERE client_id = $1`, [ADMIN_ID])).toEqual([
        { actor: 'system:bootstrap', action: 'client.created' },
      ]);
      await first.close();

      // A change made behind the API's back (the API refuses it with 409) is reported at start, not undone.
      await db.query(`UPDATE oauth_clients SET enabled = false WHERE client_id = $1`, [ADMIN_ID]);
      const second = await startTestApp({ ...SAME, ADMIN_CLIENT_SECRET: NEW_SECRET }, db);
      await second.close();
      const [row] = await db.query<{ enabled: boolean }>(`SELECT enabled FROM oauth_clients WHERE client_id = $1`, [ADMIN_ID]);
      expect(row.enabled).toBe(false);
      expect(second.logs.some((l) => l.includes(`admin client ${ADMIN_ID} cannot use the admin API: it is disabled`))).toBe(true);
      expect(await db.query(`SELECT actor, action, details FROM audit_log WHERE client_id = $1 ORDER BY id`, [ADMIN_ID])).toEqual([
        { actor: 'system:bootstrap', action: 'client.created', details: expect.any(Object) },
        {
          actor: 'system:bootstrap',
          action: 'client.updated',
          details: { source: 'ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET', secret_replaced: true },
        },
      ]);

      await db.query(`UPDATE oauth_clients SET enabled = true WHERE client_id = $1`, [ADMIN_ID]);
      const third = await startTestApp({ ...SAME, ADMIN_CLIENT_SECRET: NEW_SECRET }, db);
      try {
        expect((await requestToken(third, ADMIN_ID, ADMIN_SECRET)).status).toBe(401);
        expect((await requestToken(third, ADMIN_ID, NEW_SECRET)).status).toBe(200);
        // Unchanged configuration: no new audit row.
        expect(await db.query(`SELECT id FROM audit_log WHERE client_id = $1`, [ADMIN_ID])).toHaveLength(2);
      } finally {
        await third.close();
      }
    } finally {
      await db.drop();
    }
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

describe('production start-up and slow-hashed secrets', () => {
  it('says once how many enabled clients still have a supplied (scrypt) secret, and that rotating removes the exposure', async () => {
    const db = await createTestDatabase();
    const env = {
      NODE_ENV: 'production',
      ISSUER: 'https://auth.example.com/ms-auth-server',
      KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
    };
    try {
      const first = await startTestApp(env, db);
      await insertClient(first, { clientId: 'supplied-a', secret: 'a-supplied-secret-of-32-characters' });
      await insertClient(first, { clientId: 'supplied-b', secret: 'another-supplied-secret-0123456789' });
      await insertClient(first, { clientId: 'supplied-off', secret: 'a-disabled-supplied-secret-012345', enabled: false });
      await first.close();
      const second = await startTestApp(env, db);
      try {
        const lines = second.logs.filter((l) => l.includes('still have a secret stored with a slow hash'));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain('2 enabled client(s)');
        expect(lines[0]).toContain('Rotating to a generated secret removes that exposure');
      } finally {
        await second.close();
      }
    } finally {
      await db.drop();
    }
  });
});
