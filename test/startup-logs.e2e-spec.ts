import { freePort } from '@app/persistence';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './support/database';
import { MAIN_JS, type ServerProcess, startServerProcess } from './support/server-process';
import { ADMIN_ID, ADMIN_SECRET } from './support/test-app';

/** Needs the built server: `npx nest build` (npm test builds first). */
describe('server process logs', () => {
  let db: TestDatabase;
  let proc: ServerProcess | undefined;
  const kek = randomBytes(32).toString('base64url');
  const env = (): Record<string, string> => ({
    DATABASE_URL: db.url,
    KEY_ENCRYPTION_KEYS: kek,
    ADMIN_CLIENT_ID: ADMIN_ID,
    ADMIN_CLIENT_SECRET: ADMIN_SECRET,
    SECRET_HASH_LOG_N: '12',
  });

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await proc?.stop();
    proc = undefined;
  });
  afterAll(() => db.drop());

  it('LOG_FORMAT=json: only JSON lines, one start-up summary, no line per mapped route', async () => {
    const port = await freePort();
    proc = await startServerProcess({ ...env(), PORT: String(port), LOG_FORMAT: 'json' });
    const res = await fetch(`http://127.0.0.1:${port}/ms-auth-server/oauth2/jwks`, { headers: { 'x-request-id': 'process-1' } });
    expect(res.status).toBe(200);
    const lines = await waitForLines(proc, (l) => l.some((x) => x.reqId === 'process-1'));

    const summary = lines.filter((l) => /^listening on http/.test(String(l.msg)));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({
      level: 30,
      listening: `http://127.0.0.1:${port}/ms-auth-server`,
      issuer: `http://localhost:${port}/ms-auth-server`,
      database: `PostgreSQL ${new URL(db.url).host}/${db.name}`,
      adminCredentials: `client "${ADMIN_ID}", secret from ADMIN_CLIENT_SECRET`,
    });
    expect(lines.filter((l) => /Mapped \{|dependencies initialized/.test(String(l.msg)))).toEqual([]);
    expect(lines.find((l) => l.reqId === 'process-1')).toMatchObject({ route: '/ms-auth-server/oauth2/jwks', status: 200 });
    expect(proc.output()).not.toContain(ADMIN_SECRET);
  });

  it('LOG_FORMAT=text: readable lines through pino-pretty', async () => {
    const port = await freePort();
    proc = await startServerProcess({ ...env(), PORT: String(port), LOG_FORMAT: 'text' });
    expect(proc.output()).toMatch(/INFO.*listening on http:\/\/127\.0\.0\.1:\d+\/ms-auth-server/);
    expect(
      proc
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{')),
    ).toEqual([]);
  });

  it('production refuses LOG_FORMAT=text with a clear message (pino-pretty is a development dependency)', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [MAIN_JS],
        {
          env: {
            PATH: process.env.PATH,
            NODE_ENV: 'production',
            LOG_FORMAT: 'text',
            ISSUER: 'https://auth.example.com',
            ...env(),
          },
        },
        (_err, _out, stderrText) => resolve({ code: child.exitCode, stderr: stderrText }),
      );
    });
    expect(code).toBe(78);
    expect(stderr).toContain('LOG_FORMAT=text needs pino-pretty, a development dependency: use LOG_FORMAT=json in production');
  });
});

async function waitForLines(
  proc: ServerProcess,
  done: (lines: Record<string, unknown>[]) => boolean,
  timeoutMs = 10_000,
): Promise<Record<string, unknown>[]> {
  const start = Date.now();
  for (;;) {
    const lines = proc
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    if (done(lines)) return lines;
    if (Date.now() - start > timeoutMs) throw new Error(`log lines not seen in time:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
