import { freePort } from '@app/persistence';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { MIGRATIONS } from '../migrations';
import { accessToken } from './support/admin-api';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MAIN_JS, type ServerProcess, startServerProcess } from './support/server-process';
import { ADMIN_ID, ADMIN_SECRET, basic, postForm } from './support/test-app';

/** Needs the built server: `npx nest build` (npm test builds first). */

const PLAYGROUND = basic('service-client-jwt', 'service-client-jwt-secret');

/** A token of the seeded playground client. */
const token = (baseUrl: string): Promise<string> => accessToken(baseUrl, 'service-client-jwt', 'service-client-jwt-secret');

async function jwks(baseUrl: string): Promise<{ keys: { kid: string }[] }> {
  const res = await fetch(`${baseUrl}/oauth2/jwks`);
  expect(res.status).toBe(200);
  return (await res.json()) as { keys: { kid: string }[] };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

/** Runs the built server with exactly this environment and returns how it ended (it must not start). */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((res) => {
    const child = execFile(
      process.execPath,
      [MAIN_JS],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (_err, _out, stderr) => res({ code: child.exitCode, stderr: String(stderr) }),
    );
  });
}

describe('server process start-up', () => {
  const running = new Set<ServerProcess>();
  const dirs: string[] = [];
  const dbs: TestDatabase[] = [];

  const start = async (env: Record<string, string>, until?: RegExp): Promise<ServerProcess> => {
    const p = await startServerProcess(env, { until });
    running.add(p);
    return p;
  };
  const tempDir = (prefix: string): string => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(d, 0o755); // as root, the embedded PostgreSQL runs as the postgres user and must reach its files
    dirs.push(d);
    return d;
  };

  afterAll(async () => {
    await Promise.all([...running].map((p) => p.stop(10_000)));
    for (const db of dbs) await db.drop().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('does not seed the published playground secret on an embedded server listening beyond loopback, unless asked', async () => {
    const dataDir = join(tempDir('ms-auth-wide-'), 'data');
    const port = await freePort();
    const env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: '0', PORT: String(port), HOST: '0.0.0.0', SECRET_HASH_LOG_N: '12' };
    const baseUrl = `http://127.0.0.1:${port}/ms-auth-server`;
    const wide = await start(env);
    expect(wide.output()).not.toContain('seeded playground client');
    const refused = await postForm(`${baseUrl}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: PLAYGROUND });
    expect(refused.status).toBe(401);
    expect(await wide.stop()).toBe(0);
    running.delete(wide);

    // Said out loud (compose's development mode does), it is seeded.
    const asked = await start({ ...env, SEED_PLAYGROUND_CLIENT: 'true' });
    expect(asked.output()).toContain('seeded playground client');
    await token(baseUrl);
    expect(await asked.stop()).toBe(0);
    running.delete(asked);
  });

  it('keeps clients and keys across a restart in embedded mode, and stops its PostgreSQL on SIGTERM', async () => {
    const dir = tempDir('ms-auth-restart-');
    const dataDir = join(dir, 'data');
    const port = await freePort();
    const env = {
      DATA_DIR: dataDir,
      EMBEDDED_PG_DIR: join(dataDir, 'postgres'),
      EMBEDDED_PG_PORT: '0',
      PORT: String(port),
      SECRET_HASH_LOG_N: '12',
    };
    const baseUrl = `http://127.0.0.1:${port}/ms-auth-server`;
    const issuer = `http://localhost:${port}/ms-auth-server`;

    const first = await start(env);
    const pgPort = Number(/embedded PostgreSQL on 127\.0\.0\.1:(\d+)/.exec(first.output())?.[1]);
    expect(pgPort).toBeGreaterThan(0);
    const oldToken = await token(baseUrl);
    const kids = (await jwks(baseUrl)).keys.map((k) => k.kid);
    expect(kids).toContain(decodeProtectedHeader(oldToken).kid);
    const admin = JSON.parse(readFileSync(join(dataDir, 'admin-client.json'), 'utf8')) as { client_id: string; client_secret: string };

    expect(await first.stop()).toBe(0);
    running.delete(first);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(await accepts(pgPort)).toBe(false);
    // The generated admin secret is only in its file, never in the output.
    expect(first.output()).not.toContain(admin.client_secret);

    const second = await start(env);
    expect((await jwks(baseUrl)).keys.map((k) => k.kid)).toEqual(kids);
    const { payload } = await jwtVerify(oldToken, createRemoteJWKSet(new URL(`${baseUrl}/oauth2/jwks`)), { issuer, typ: 'at+jwt' });
    expect(payload.client_id).toBe('service-client-jwt');
    const newToken = await token(baseUrl);
    expect(decodeProtectedHeader(newToken).kid).toBe(decodeProtectedHeader(oldToken).kid);
    await accessToken(baseUrl, admin.client_id, admin.client_secret);
    expect(second.output()).not.toMatch(/created .* signing key|seeded playground client|created admin client/);

    for (const file of ['admin-client.json', 'key-encryption-key']) {
      expect((statSync(join(dataDir, file)).mode & 0o777).toString(8)).toBe('600');
    }
    expect(await second.stop()).toBe(0);
    running.delete(second);
  });

  it('stops cleanly on a SIGTERM during start-up: exit 0, its PostgreSQL stopped, the port never opened', async () => {
    const dataDir = join(tempDir('ms-auth-early-stop-'), 'data');
    const port = await freePort();
    const env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: '0', PORT: String(port), SECRET_HASH_LOG_N: '12' };
    // The embedded PostgreSQL is up; migrations, keys and clients are still to come.
    const early = await start(env, /embedded PostgreSQL on 127\.0\.0\.1:\d+/);
    const pgPort = Number(/embedded PostgreSQL on 127\.0\.0\.1:(\d+)/.exec(early.output())![1]);

    expect(await early.stop()).toBe(0);
    running.delete(early);
    expect(early.output()).toContain('SIGTERM during start-up: stopping once the current step ends');
    expect(early.output()).not.toContain('listening on http');
    expect(await accepts(port)).toBe(false);
    expect(await accepts(pgPort)).toBe(false);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    // Whatever the cut start had done, the next one completes it.
    const next = await start(env);
    await token(`http://127.0.0.1:${port}/ms-auth-server`);
    expect(await next.stop()).toBe(0);
    running.delete(next);
  });

  it('brings up two instances started together on one empty database, with one migration run and one key', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const [portA, portB] = [await freePort(), await freePort()];
    const common = {
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
      ISSUER: 'http://127.0.0.1/ms-auth-server',
      ADMIN_CLIENT_ID: ADMIN_ID,
      ADMIN_CLIENT_SECRET: ADMIN_SECRET,
      SECRET_HASH_LOG_N: '12',
      DATABASE_POOL_SIZE: '4',
      DATA_DIR: tempDir('ms-auth-two-'),
      SEED_PLAYGROUND_CLIENT: 'true',
    };
    const results = await Promise.allSettled([start({ ...common, PORT: String(portA) }), start({ ...common, PORT: String(portB) })]);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'up'))).toEqual(['up', 'up']);
    const [a, b] = [`http://127.0.0.1:${portA}/ms-auth-server`, `http://127.0.0.1:${portB}/ms-auth-server`];

    const byName = (x: { name: string }, y: { name: string }): number => (x.name < y.name ? -1 : 1);
    const migrations = await db.query<{ name: string; n: number }>('SELECT name, count(*)::int AS n FROM typeorm_migrations GROUP BY name');
    expect(migrations.sort(byName)).toEqual(MIGRATIONS.map((M) => ({ name: new M().name, n: 1 })).sort(byName));
    expect(await db.query('SELECT kid FROM signing_keys WHERE status = $1', ['active'])).toHaveLength(1);
    const clients = await db.query<{ client_id: string }>('SELECT client_id FROM oauth_clients');
    expect(clients.map((c) => c.client_id).sort()).toEqual(['service-client-jwt', ADMIN_ID].sort());

    expect(await jwks(a)).toEqual(await jwks(b));
    const options = { issuer: common.ISSUER, typ: 'at+jwt' };
    await jwtVerify(await token(a), createRemoteJWKSet(new URL(`${b}/oauth2/jwks`)), options);
    await jwtVerify(await token(b), createRemoteJWKSet(new URL(`${a}/oauth2/jwks`)), options);
  });

  it('reports every bad variable in one message and exits non-zero without starting', async () => {
    const dir = tempDir('ms-auth-badcfg-');
    const { code, stderr } = await runToExit({
      DATA_DIR: dir,
      PORT: 'abc',
      SIGNING_ALG: 'HS256',
      KEY_ENCRYPTION_KEYS: 'short',
      TOKEN_SCOPE_FORMAT: 'csv',
      ADMIN_SCOPE: 'admin write',
    });
    expect(code).toBe(78);
    expect(stderr).toMatch(/^Invalid configuration:/);
    for (const name of ['PORT', 'SIGNING_ALG', 'KEY_ENCRYPTION_KEYS', 'TOKEN_SCOPE_FORMAT']) expect(stderr).toContain(`- ${name} `);
    // A rule of the clients lib (the scope grammar's one home), reported in the same message.
    expect(stderr).toContain('- ADMIN_SCOPE must be a single RFC 6749 §3.3 scope token');
    expect(existsSync(join(dir, 'postgres'))).toBe(false);
  });

  it('refuses to start in production without DATABASE_URL, ISSUER and admin credentials', async () => {
    const dir = tempDir('ms-auth-prodcfg-');
    const { code, stderr } = await runToExit({ DATA_DIR: dir, NODE_ENV: 'production' });
    expect(code).toBe(78);
    for (const name of ['DATABASE_URL', 'ISSUER', 'ADMIN_CLIENT_ID']) expect(stderr).toContain(`- ${name} `);
    expect(existsSync(join(dir, 'postgres'))).toBe(false);
  });
});
