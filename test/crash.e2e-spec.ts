import { PLAYGROUND_CLIENT } from '@app/clients';
import { freePort } from '@app/persistence';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Client } from 'pg';
import { accessToken, adminApi, adminToken, call } from './support/admin-api';
import { createTestDatabase, type TestDatabase } from './support/database';
import { fetchJwks, waitFor } from './support/keys';
import { type ServerProcess, startServerProcess } from './support/server-process';
import { ADMIN_ID, ADMIN_SECRET } from './support/test-app';

/**
 * Crash safety: a server SIGKILLed in the middle of an admin write or a key rotation leaves the
 * database as it was before the write, and the next start recovers, also from a stale embedded-database lock.
 *
 * "In the middle" is made certain, not left to timing: the test holds a lock on change_log, which every admin
 * write appends to last in its transaction, so the server's transaction has done its other writes and waits
 * there when the process is killed. PostgreSQL then sees the client gone and rolls the transaction back.
 * Needs the built server (`npm test` builds first).
 */
describe('crash safety: SIGKILL during writes (real PostgreSQL)', () => {
  let db: TestDatabase;
  let server: ServerProcess | undefined;
  const kek = randomBytes(32).toString('base64url');

  async function start(): Promise<string> {
    const port = await freePort();
    server = await startServerProcess({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: db.url,
      // Fixed, so the restarted server (another port) has the same issuer and admin audience.
      ISSUER: 'http://auth.example.test/ms-auth-server',
      KEY_ENCRYPTION_KEYS: kek,
      ADMIN_CLIENT_ID: ADMIN_ID,
      ADMIN_CLIENT_SECRET: ADMIN_SECRET,
      SECRET_HASH_LOG_N: '12',
      DATABASE_POOL_SIZE: '4',
      CHANGE_POLL_INTERVAL_MS: '100',
    });
    return `http://127.0.0.1:${port}/ms-auth-server`;
  }

  /** Backends of the server (every connection to the test database but the test's own). */
  const serverBackends = async (): Promise<{ pid: number; wait_event_type: string | null; xid: string | null }[]> =>
    db.query(
      `SELECT pid, wait_event_type, backend_xid::text AS xid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
          AND application_name <> 'crash-test-lock'`,
    );

  /**
   * Sends `send()` while change_log is locked, waits until the server's transaction has written and is blocked on
   * that lock, SIGKILLs the server, then releases the lock and waits until PostgreSQL has ended its backends.
   */
  async function killMidWrite(send: () => Promise<unknown>): Promise<void> {
    const lock = new Client({ connectionString: db.url, application_name: 'crash-test-lock' });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE change_log IN EXCLUSIVE MODE'); // blocks inserts, not the feed's reads
    const sent = send().then(
      () => 'answered',
      () => 'connection lost',
    );
    await waitFor('the server transaction to write and then wait on the change_log lock', async () =>
      (await serverBackends()).some((b) => b.wait_event_type === 'Lock' && b.xid !== null) ? true : undefined,
    );
    server!.child.kill('SIGKILL');
    await server!.exited;
    await lock.query('COMMIT');
    await lock.end();
    expect(await sent).toBe('connection lost');
    await waitFor('PostgreSQL to end the killed server backends', async () => ((await serverBackends()).length === 0 ? true : undefined));
  }

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('rolls back a client registration cut by SIGKILL; after a restart the same registration succeeds and works', async () => {
    let base = await start();
    const token = await adminToken(base);
    const before = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log`);

    await killMidWrite(() => call(base, 'POST', '/admin/clients', { token, body: { client_id: 'crash-client', scope: 'orders.read' } }));

    expect(await db.query(`SELECT client_id FROM oauth_clients WHERE client_id = 'crash-client'`)).toEqual([]);
    expect(await db.query(`SELECT 1 FROM change_log WHERE key = 'crash-client'`)).toEqual([]);
    expect(await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log`)).toEqual(before);

    base = await start();
    const created = await adminApi(base).post('/admin/clients', { client_id: 'crash-client', scope: 'orders.read' });
    expect(created.status).toBe(201);
    const issued = await accessToken(base, 'crash-client', created.body.client_secret as string);
    expect(issued.split('.')).toHaveLength(3);
    expect(await db.query(`SELECT action FROM audit_log WHERE client_id = 'crash-client'`)).toEqual([{ action: 'client.created' }]);
    await server!.stop();
  }, 120_000);

  it('keeps the signing keys of before an emergency rotation cut by SIGKILL; the restarted server signs and rotates', async () => {
    let base = await start();
    const token = await adminToken(base);
    const keysBefore = await db.query(`SELECT kid, status FROM signing_keys ORDER BY kid`);
    expect(keysBefore.filter((k) => k.status === 'active')).toHaveLength(1);

    await killMidWrite(() => call(base, 'POST', '/admin/keys/rotate?immediate=true', { token }));

    expect(await db.query(`SELECT kid, status FROM signing_keys ORDER BY kid`)).toEqual(keysBefore);
    expect(await db.query(`SELECT 1 FROM audit_log WHERE action = 'keys.rotated_immediately'`)).toEqual([]);

    base = await start();
    const active = keysBefore.find((k) => k.status === 'active')!.kid as string;
    const jwks = createLocalJWKSet(await fetchJwks(base));
    const { protectedHeader } = await jwtVerify(await adminToken(base), jwks);
    expect(protectedHeader.kid).toBe(active);
    // The rotation's advisory lock died with the killed connection: rotating again works at once.
    const rotated = await adminApi(base).post('/admin/keys/rotate?immediate=true');
    expect(rotated.status).toBe(200);
    expect(rotated.body.removed).toContain(active);
    await server!.stop();
  }, 120_000);
});

describe('crash safety: the embedded database after SIGKILL', () => {
  let dir: string;
  let server: ServerProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ms-auth-crash-'));
    env = { NODE_ENV: 'test', HOST: '127.0.0.1', DATA_DIR: dir, EMBEDDED_PG_PORT: '0', SECRET_HASH_LOG_N: '12' };
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<string> {
    const port = await freePort();
    server = await startServerProcess({ ...env, PORT: String(port) });
    return `http://127.0.0.1:${port}/ms-auth-server`;
  }
  const postmasterPid = async (): Promise<number> =>
    Number((await readFile(join(dir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const playground = (base: string) => accessToken(base, PLAYGROUND_CLIENT.clientId, PLAYGROUND_CLIENT.secret);

  it('stops the PostgreSQL a killed server left running, and serves the same data', async () => {
    const base = await start();
    const admin = JSON.parse(await readFile(join(dir, 'admin-client.json'), 'utf8')) as { client_id: string; client_secret: string };
    await playground(base);
    const orphan = await postmasterPid();

    server!.child.kill('SIGKILL');
    await server!.exited;
    expect(alive(orphan)).toBe(true); // the data directory is still held

    const again = await start();
    expect(server!.output()).toContain(`stopped the embedded PostgreSQL (pid ${orphan})`);
    expect(alive(orphan)).toBe(false);
    expect((await playground(again)).split('.')).toHaveLength(3);
    expect((await accessToken(again, admin.client_id, admin.client_secret)).split('.')).toHaveLength(3);
    await server!.stop();
  }, 120_000);

  it('recovers from a crash of the whole machine: a stale postmaster.pid and an unclean data directory', async () => {
    const base = await start();
    const before = await call(base, 'GET', '/oauth2/jwks');
    const pm = await postmasterPid();
    // Everything dies at once, PostgreSQL without a checkpoint: its lock file stays behind.
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pm)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
    server!.child.kill('SIGKILL');
    process.kill(pm, 'SIGKILL');
    for (const c of children) if (alive(c)) process.kill(c, 'SIGKILL');
    await server!.exited;
    await waitFor('the killed PostgreSQL processes to be gone', async () => ([pm, ...children].some(alive) ? undefined : true));
    expect(await postmasterPid()).toBe(pm);

    const again = await start();
    expect((await playground(again)).split('.')).toHaveLength(3);
    const after = await call(again, 'GET', '/oauth2/jwks');
    expect(after.body).toEqual(before.body);
    await server!.stop();
  }, 120_000);
});
