import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
