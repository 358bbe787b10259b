import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { parse } from 'yaml';
import { freePort } from '@app/persistence';
import { serverUrl } from './support/database';
import { startServerProcess, type ServerProcess } from './support/server-process';

const run = promisify(execFile);

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
}

/** Compose variable interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`compose: ${name} is required: ${arg}`);
    return op === '-' ? arg : '';
  });
}

/**
 * No container engine runs here, so this test starts the compose file's processes without containers: a
 * PostgreSQL (the test server, with the role and database the compose file declares) and the built server
 * with exactly the compose environment, then runs the compose healthcheck and the seed request against it.
 * The only deviations: the database host:port (no `postgres` hostname here) and a free port instead of 8085.
 */
describe('docker-compose.yml, mirrored without containers', () => {
  const compose = parse(readFileSync(resolve(__dirname, '../docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
  const pgService = compose.services.postgres;
  const server = compose.services['auth-server'];
  const userEnv = {
    KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
    ADMIN_CLIENT_SECRET: randomBytes(32).toString('base64url'),
  };
  const dbName = `compose_${randomBytes(4).toString('hex')}`;
  let proc: ServerProcess | undefined;
  let port = 0;

  afterAll(async () => {
    await proc?.stop();
    const admin = new Client({ connectionString: serverUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  it('declares PostgreSQL and the server, the server waiting for a healthy database', () => {
    expect(pgService.image).toMatch(/^postgres:/);
    expect(pgService.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(server.build).toBeDefined();
    expect(server.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(server.ports).toEqual(['8085:8085']);
  });

  it('refuses to interpolate without the required secrets', () => {
    expect(() => interpolate(server.environment!.KEY_ENCRYPTION_KEYS, {})).toThrow(/KEY_ENCRYPTION_KEYS is required/);
    expect(() => interpolate(server.environment!.ADMIN_CLIENT_SECRET, {})).toThrow(/ADMIN_CLIENT_SECRET is required/);
  });

  it('starts with the compose environment, passes its healthcheck and answers the seed request', async () => {
    const env = Object.fromEntries(Object.entries(server.environment!).map(([k, v]) => [k, interpolate(String(v), userEnv)]));
    const pgEnv = Object.fromEntries(
      Object.entries(pgService.environment as Record<string, string>).map(([k, v]) => [k, interpolate(v, userEnv)]),
    );

    // The "postgres" service: the role and password it would create, and a fresh database.
    const admin = new Client({ connectionString: serverUrl() });
    await admin.connect();
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [pgEnv.POSTGRES_USER]);
    if (role.rowCount === 0) await admin.query(`CREATE ROLE ${pgEnv.POSTGRES_USER} LOGIN PASSWORD '${pgEnv.POSTGRES_PASSWORD}'`);
    await admin.query(`CREATE DATABASE ${dbName} OWNER ${pgEnv.POSTGRES_USER}`);
    await admin.end();

    const testServer = new URL(serverUrl());
    const dbUrl = new URL(env.DATABASE_URL);
    expect(dbUrl.host).toBe('postgres:5432');
    dbUrl.host = testServer.host;
    dbUrl.pathname = `/${dbName}`;

    port = await freePort();
    const issuer = env.ISSUER.replace(':8085', `:${port}`);
    proc = await startServerProcess({ ...env, DATABASE_URL: dbUrl.toString(), PORT: String(port), ISSUER: issuer, HOST: '127.0.0.1' });

    // The compose healthcheck command, pointed at this port.
    const [cmd, ...args] = server.healthcheck!.test.slice(1).map((a) => a.replace(':8085', `:${port}`));
    expect(cmd).toBe('node');
    await expect(run(process.execPath, args)).resolves.toBeDefined();

    const res = await fetch(
      `http://127.0.0.1:${port}/ms-auth-server/oauth2/token?grant_type=client_credentials&scope=customer.read%20customer.write%20country.read`,
      {
        method: 'POST',
        headers: { Authorization: 'Basic c2VydmljZS1jbGllbnQtand0OnNlcnZpY2UtY2xpZW50LWp3dC1zZWNyZXQ=' },
      },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'customer.read customer.write country.read', expires_in: 14400 });

    // The admin client comes from ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET.
    const adminToken = await fetch(`http://127.0.0.1:${port}/ms-auth-server/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${env.ADMIN_CLIENT_ID}:${userEnv.ADMIN_CLIENT_SECRET}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials&scope=admin',
    });
    expect(adminToken.status).toBe(200);

    // LOG_FORMAT=json: every log line is one JSON object.
    const lines = proc
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();

    // stop_grace_period: SIGTERM ends the server cleanly well within it.
    expect(await proc.stop(20_000)).toBe(0);
    proc = undefined;
  });
});
