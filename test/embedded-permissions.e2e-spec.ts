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

  // As root the server must open the folders just enough for the postgres user; as any other user PostgreSQL
  // runs as that user, and the same start must leave the private folder exactly as private as it was.
  const asRoot = process.getuid?.() === 0;
  const proves = asRoot
    ? 'as root: starts, issues the seed token, and makes the folders only traversable (o+x), not listable, for others'
    : 'as a non-root user: starts, issues the seed token, and leaves the private folder 0700 (nothing opened up)';

  it(proves, async () => {
    mkdirSync(join(outer, 'project'), { mode: 0o700 });
    expect(statSync(outer).mode & 0o777).toBe(0o700);
    const port = await freePort();
    proc = await startServerProcess({ PORT: String(port), DATA_DIR: dataDir, EMBEDDED_PG_PORT: '0' });

    const res = await fetch(`http://127.0.0.1:${port}/ms-auth-server/oauth2/token?grant_type=client_credentials`, {
      method: 'POST',
      headers: { Authorization: 'Basic c2VydmljZS1jbGllbnQtand0OnNlcnZpY2UtY2xpZW50LWp3dC1zZWNyZXQ=' },
    });
    expect(res.status).toBe(200);
    if (asRoot) {
      expect(statSync(outer).mode & 0o777).toBe(0o701);
      expect(proc.output()).toContain('allowed other users to traverse');
    } else {
      expect(statSync(outer).mode & 0o777).toBe(0o700);
      expect(proc.output()).not.toContain('allowed other users to traverse');
    }
    expect(await proc.stop()).toBe(0);
    proc = undefined;
  });
});
