import { freePort } from '@app/persistence';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerProcess, startServerProcess } from './support/server-process';

/**
 * A checkout under /root or a `mktemp -d` folder is mode 0700. As root the embedded PostgreSQL runs as the
 * `postgres` user, which must still reach the data directory: the quick start must work there too.
 */
describe('embedded mode inside a private (0700) folder', () => {
  const outer = mkdtempSync(join(tmpdir(), 'ms-auth-private-'));
  const dataDir = join(outer, 'project', '.data');
  let proc: ServerProcess | undefined;

  afterAll(async () => {
    await proc?.stop();
    rmSync(outer, { recursive: true, force: true });
  });

  it('starts, issues the seed token, and makes the folders only traversable, not listable, for others', async () => {
    mkdirSync(join(outer, 'project'), { mode: 0o700 });
    expect(statSync(outer).mode & 0o777).toBe(0o700);
    const port = await freePort();
    proc = await startServerProcess({ PORT: String(port), DATA_DIR: dataDir, EMBEDDED_PG_PORT: '0' });

    const res = await fetch(`http://127.0.0.1:${port}/ms-auth-server/oauth2/token?grant_type=client_credentials`, {
      method: 'POST',
      headers: { Authorization: 'Basic c2VydmljZS1jbGllbnQtand0OnNlcnZpY2UtY2xpZW50LWp3dC1zZWNyZXQ=' },
    });
    expect(res.status).toBe(200);
    if (process.getuid?.() === 0) {
      expect(statSync(outer).mode & 0o777).toBe(0o701);
      expect(proc.output()).toContain('allowed other users to traverse');
    }
    expect(await proc.stop()).toBe(0);
    proc = undefined;
  });
});
