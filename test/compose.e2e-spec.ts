import { freePort } from '@app/persistence';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { parse } from 'yaml';
import { accessToken, adminApi } from './support/admin-api';
import { serverUrl } from './support/database';
import { startServerProcess, type ServerProcess } from './support/server-process';
import { basic, postForm } from './support/test-app';

const run = promisify(execFile);
/** Debian's nginx (`.ci/run` installs it); /usr/sbin may be missing from a non-root PATH. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
const ROOT = resolve(__dirname, '..');
const SEED_PATH = '/ms-auth-server/oauth2/token?grant_type=client_credentials&scope=customer.read%20customer.write%20country.read';
const SEED_AUTH = 'Basic c2VydmljZS1jbGllbnQtand0OnNlcnZpY2UtY2xpZW50LWp3dC1zZWNyZXQ=';

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  networks?: Record<string, { ipv4_address?: string } | null>;
}

/**
 * docker-compose.yml run without containers (no container engine runs here): `docker-compose config`
 * resolves the file exactly as `docker compose up` would with no variables set; then this test runs the
 * init service's command, two auth-server replicas with the resolved environment on one PostgreSQL, and the
 * lb service's nginx configuration (Debian's nginx) in front of them. Deviations, each forced by running on
 * one host: the secrets volume is a temporary folder, the database is the test server (a fresh database and
 * role), and every listener gets a free port.
 */
describe('docker-compose.yml, mirrored without containers, behind nginx', () => {
  const work = mkdtempSync(join(tmpdir(), 'ms-auth-compose-'));
  const secrets = join(work, 'secrets');
  const suffix = randomBytes(4).toString('hex');
  const dbName = `compose_${suffix}`;
  const role = `compose_${suffix}`;
  let services: Record<string, Service>;
  let networks: Record<string, { ipam?: { config?: { subnet?: string; ip_range?: string }[] } }>;
  const replicas: ServerProcess[] = [];
  const ports: number[] = [];
  const metricsPorts: number[] = [];
  let nginx: ChildProcess | undefined;
  let lbPort = 0;
  let nginxLog = '';

  const toHost = (v: string): string => (v === '/secrets' ? secrets : v.replace(/^\/secrets\//, `${secrets}/`));

  beforeAll(async () => {
    chmodSync(work, 0o755);
    const { stdout } = await run('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
    });
    ({ services, networks } = parse(stdout) as { services: Record<string, Service>; networks: typeof networks });
  });

  afterAll(async () => {
    nginx?.kill('SIGQUIT');
    await Promise.all(replicas.map((r) => r.stop()));
    const admin = new Client({ connectionString: serverUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  });

  it('init: generates the secrets once, unreadable to others, and never overwrites them', async () => {
    const cmd = services.init.command!;
    expect(services.init.volumes?.some((v) => v.endsWith(':/secrets:rw') || v.endsWith(':/secrets'))).toBe(true);
    const exec = (): Promise<{ stdout: string }> => run(process.execPath, cmd.slice(1).map(toHost), { cwd: ROOT });
    const first = await exec();
    const files = ['key-encryption-keys', 'admin-client-secret', 'postgres-password'];
    const values = files.map((f) => readFileSync(join(secrets, f), 'utf8'));
    for (const f of files) expect(statSync(join(secrets, f)).mode & 0o077).toBe(0);
    expect(Buffer.from(values[0].trim(), 'base64url')).toHaveLength(32);
    expect(values[1].trim().length).toBeGreaterThanOrEqual(32);
    for (const v of values) expect(first.stdout).not.toContain(v.trim());
    await exec();
    expect(files.map((f) => readFileSync(join(secrets, f), 'utf8'))).toEqual(values);
  });

  it('trusts X-Forwarded-For from the load balancer alone: its fixed address, outside the range given to other containers', () => {
    const lb = services.lb.networks?.default?.ipv4_address;
    expect(lb).toMatch(/^172\.28\.\d+\.\d+$/);
    // Not the subnet: connections to the published port arrive from the bridge gateway, inside it.
    expect(services['auth-server'].environment!.TRUST_PROXY).toBe(lb);
    const [{ subnet, ip_range: range }] = networks.default.ipam!.config!;
    expect(subnet).toBe('172.28.0.0/16');
    // Docker hands out dynamic addresses from ip_range only, so no replica can take the load balancer's address.
    expect(range).toBe('172.28.1.0/24');
    expect(lb!.startsWith('172.28.1.')).toBe(false);
  });

  it('starts two replicas on one database with the compose environment, behind the compose nginx configuration', async () => {
    // The postgres service: its role (password from the generated file, as POSTGRES_PASSWORD_FILE) and database.
    const pgEnv = services.postgres.environment!;
    expect(pgEnv.POSTGRES_PASSWORD_FILE).toBe('/secrets/postgres-password');
    const admin = new Client({ connectionString: serverUrl() });
    await admin.connect();
    const password = readFileSync(toHost(pgEnv.POSTGRES_PASSWORD_FILE), 'utf8').trim();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE ${dbName} OWNER ${role}`);
    await admin.end();

    const composeEnv = services['auth-server'].environment!;
    const dbUrl = new URL(composeEnv.DATABASE_URL);
    expect(dbUrl.host).toBe('postgres:5432');
    expect(dbUrl.password).toBe('');
    const test = new URL(serverUrl());
    dbUrl.host = test.host;
    dbUrl.username = role;
    dbUrl.pathname = `/${dbName}`;

    const env = Object.fromEntries(Object.entries(composeEnv).map(([k, v]) => [k, toHost(String(v))]));
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      ports.push(port);
      metricsPorts.push(await freePort());
      replicas.push(
        await startServerProcess({
          ...env,
          DATABASE_URL: dbUrl.toString(),
          HOST: '127.0.0.1',
          PORT: String(port),
          METRICS_PORT: String(metricsPorts[i]),
          METRICS_HOST: '127.0.0.1',
        }),
      );
    }

    // The lb waits for healthy replicas: the compose healthcheck command, pointed at each replica.
    for (const port of ports) {
      const [cmd, ...args] = services['auth-server'].healthcheck!.test.slice(1).map((a) => a.replace(':8085', `:${port}`));
      expect(cmd).toBe('node');
      await run(process.execPath, args);
    }

    // The lb service's nginx configuration, with the replicas' addresses for Docker's DNS name.
    const confSource = services.lb.volumes!.find((v) => v.includes('/etc/nginx/conf.d/'))!.split(':')[0];
    const site = readFileSync(resolve(ROOT, confSource), 'utf8');
    expect(site).toMatch(/server auth-server:8085[^;]*;/);
    lbPort = await freePort();
    const localSite = site
      .replace(/server auth-server:8085([^;]*);/, ports.map((p) => `server 127.0.0.1:${p}$1;`).join('\n    '))
      .replace(/listen 8080;/, `listen 127.0.0.1:${lbPort};`);
    const nginxDir = join(work, 'nginx');
    mkdirSync(nginxDir);
    chmodSync(nginxDir, 0o777);
    writeFileSync(join(nginxDir, 'site.conf'), localSite);
    writeFileSync(
      join(nginxDir, 'nginx.conf'),
      [
        process.getuid?.() === 0 ? 'user root;' : '',
        'daemon off;',
        'worker_processes 1;',
        `pid ${nginxDir}/nginx.pid;`,
        `error_log ${nginxDir}/error.log warn;`,
        'events {}',
        'http {',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${nginxDir}/${t};`),
        `  include ${nginxDir}/site.conf;`,
        '}',
      ].join('\n'),
    );
    nginx = spawn(NGINX, ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout!.on('data', (d: Buffer) => (nginxLog += d.toString()));
    nginx.stderr!.on('data', (d: Buffer) => (nginxLog += d.toString()));
    await until(
      async () => (await fetch(`http://127.0.0.1:${lbPort}/ms-auth-server/health/live`).catch(() => undefined))?.status === 200,
      () => nginxLog,
    );
  });

  it('answers the seed request verbatim through the load balancer, from both replicas', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = `compose-${suffix}-${i}`;
      ids.push(id);
      const res = await fetch(`http://127.0.0.1:${lbPort}${SEED_PATH}`, {
        method: 'POST',
        headers: { Authorization: SEED_AUTH, 'X-Request-Id': id },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        token_type: 'Bearer',
        scope: 'customer.read customer.write country.read',
        expires_in: 14400,
      });
    }
    // Each replica answered some of them (its own access log holds their request ids).
    await until(
      () => Promise.resolve(replicas.every((r) => ids.some((id) => r.output().includes(`"reqId":"${id}"`)))),
      () => replicas.map((r) => r.output()).join('\n'),
    );
  });

  it('keeps metrics off the load balancer; each replica serves them on its METRICS_PORT', async () => {
    expect((await fetch(`http://127.0.0.1:${lbPort}/ms-auth-server/metrics`)).status).toBe(404);
    for (const port of metricsPorts) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toMatch(/^oauth_tokens_issued_total\{grant_type="client_credentials"\} [1-9]\d*$/m);
    }
    const ready = await fetch(`http://127.0.0.1:${lbPort}/ms-auth-server/health/ready`);
    expect(ready.status).toBe(200);
  });

  it('honours on one replica a change made through the other (admin secret from the generated file)', async () => {
    const [a, b] = ports.map((p) => `http://127.0.0.1:${p}/ms-auth-server`);
    const adminSecret = readFileSync(join(secrets, 'admin-client-secret'), 'utf8').trim();
    const api = adminApi(a, await accessToken(a, 'admin', adminSecret, { scope: 'admin' }));

    const created = await api.post<{ client_id: string; client_secret: string }>('/admin/clients', {
      client_name: 'orders',
      scope: 'orders.read',
    });
    expect(created.status).toBe(201);
    const client = created.body;
    const auth = basic(client.client_id, client.client_secret);
    const onB = await until(
      async () => (await postForm(`${b}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: auth })).status === 200,
      () => 'new client not honoured by replica B',
    );
    expect(onB).toBe(true);

    const disabled = await api.patch(`/admin/clients/${client.client_id}`, { enabled: false });
    expect(disabled.status).toBe(200);
    await until(
      async () => (await postForm(`${b}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: auth })).status === 401,
      () => 'disabled client still gets tokens from replica B',
    );
  });

  it('stops every replica cleanly on SIGTERM within the compose stop_grace_period', async () => {
    const codes = await Promise.all(replicas.map((r) => r.stop(30_000)));
    expect(codes).toEqual([0, 0]);
    for (const r of replicas) expect(r.output()).not.toContain(readFileSync(join(secrets, 'admin-client-secret'), 'utf8').trim());
  });
});

async function until(probe: () => Promise<boolean>, describe: () => string, timeoutMs = 15_000): Promise<true> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms\n${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
