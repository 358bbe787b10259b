import { Readiness } from '@app/observability';
import { freePort } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from './support/database';
import { asTestDatabase, type PgProcess, startPgProcess } from './support/pg-process';
import { startServerProcess } from './support/server-process';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

const PLAYGROUND = basic('service-client-jwt', 'service-client-jwt-secret');

async function probe(url: string): Promise<{ status: number; body: { status: string; details: Record<string, { status: string }> } }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as { status: string; details: Record<string, { status: string }> } };
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('health probes with a database that goes away', () => {
  let dir: string;
  let pg: PgProcess | undefined;
  let t: TestApp | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ms-auth-health-'));
    chmodSync(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its directory
    pg = await startPgProcess(join(dir, 'pg'), 0);
    t = await startTestApp({ DATABASE_CONNECT_TIMEOUT_MS: '500' }, asTestDatabase(pg.url));
  });

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('live answers 200 and ready answers 200 after start: migrations applied, a signing key loaded, database up', async () => {
    expect(await probe(`${t!.baseUrl}/health/live`)).toEqual({ status: 200, body: { status: 'ok', info: {}, error: {}, details: {} } });
    const ready = await probe(`${t!.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      details: { migrations: { status: 'up' }, signingKey: { status: 'up' }, accepting: { status: 'up' }, database: { status: 'up' } },
    });
  });

  it('stays ready (200) with details.database down while PostgreSQL is stopped, and cached clients still get tokens', async () => {
    expect((await postForm(`${t!.baseUrl}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: PLAYGROUND })).status).toBe(
      200,
    );
    const port = pg!.port;
    await pg!.stop();
    const ready = await probe(`${t!.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(ready.body.details.database).toEqual({ status: 'down' });
    expect(ready.body.details.signingKey).toEqual({ status: 'up' });
    expect((await probe(`${t!.baseUrl}/health/live`)).status).toBe(200);
    expect((await postForm(`${t!.baseUrl}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: PLAYGROUND })).status).toBe(
      200,
    );

    pg = await startPgProcess(join(dir, 'pg'), port);
    const back = await until(
      () => probe(`${t!.baseUrl}/health/ready`),
      (r) => r.body.details.database.status === 'up',
    );
    expect(back.status).toBe(200);
  });

  it('answers 503 on ready once draining starts, while live stays 200', async () => {
    t!.app.get(Readiness).markDraining();
    const ready = await probe(`${t!.baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'error', details: { accepting: { status: 'down' } } });
    expect((await probe(`${t!.baseUrl}/health/live`)).status).toBe(200);
  });
});

describe('SIGTERM', () => {
  it('turns ready to 503 first, keeps serving during the drain delay, then exits cleanly', async () => {
    const db = await createTestDatabase();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}/ms-auth-server`;
    const proc = await startServerProcess({
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
      PORT: String(port),
      SHUTDOWN_DRAIN_MS: '4000',
      SECRET_HASH_LOG_N: '12',
    });
    try {
      expect((await probe(`${base}/health/ready`)).status).toBe(200);
      proc.child.kill('SIGTERM');
      const draining = await until(
        () => probe(`${base}/health/ready`),
        (r) => r.status === 503,
        3000,
      );
      expect(draining.body.details.accepting).toEqual({ status: 'down', reason: 'shutting down' });
      // Still accepting: a load balancer that has not yet noticed gets real answers.
      expect((await postForm(`${base}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: PLAYGROUND })).status).toBe(
        200,
      );
      expect(await proc.exited).toBe(0);
    } finally {
      await proc.stop();
      await db.drop();
    }
  });
});
