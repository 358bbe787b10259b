import { encryptionKeyId, type KeyView } from '@app/keys';
import { freePort } from '@app/persistence';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from './support/database';
import { fetchJwks, kids, playgroundToken } from './support/keys';
import { startServerProcess } from './support/server-process';
import { ADMIN_ID, ADMIN_SECRET } from './support/test-app';

/** Needs the built server: `npx nest build` (npm test builds first). */
const KEYS_CLI = resolve(__dirname, '../dist/apps/auth-server/src/keys-cli.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown>;
}

function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [KEYS_CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        // not JSON: usage or error output, checked by the caller
      }
      done({ code, stdout, stderr, json });
    });
  });
}

describe('npm run keys', () => {
  let db: TestDatabase;
  const OLD = randomBytes(32);
  const NEW = randomBytes(32);
  const b64 = (k: Buffer): string => k.toString('base64url');
  let env: (keks: Buffer[]) => Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = (keks) => ({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEYS: keks.map(b64).join(','),
      ADMIN_CLIENT_ID: ADMIN_ID,
      ADMIN_CLIENT_SECRET: ADMIN_SECRET,
      SECRET_HASH_LOG_N: '12',
      CHANGE_POLL_INTERVAL_MS: '100',
      ISSUER: 'http://auth.example.test/ms-auth-server',
      SEED_PLAYGROUND_CLIENT: 'true',
    });
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function serve(keks: Buffer[]): Promise<{ base: string; stop: () => Promise<unknown> }> {
    const port = await freePort();
    const p = await startServerProcess({ ...env(keks), HOST: '127.0.0.1', PORT: String(port) });
    return { base: `http://127.0.0.1:${port}/ms-auth-server`, stop: () => p.stop() };
  }

  it('rotates the key-encryption key: reencrypt, then the server starts without the old KEK', async () => {
    const first = await serve([OLD]);
    const before = await playgroundToken(first.base);
    await first.stop();

    const published = await runCli(['rotate'], env([OLD]));
    expect(published.code).toBe(0);
    expect(published.json).toMatchObject({
      rotated: false,
      active: { kid: before.header.kid, status: 'active' },
      next: { status: 'next' },
    });
    const nextKid = (published.json.next as KeyView).kid;

    // Without the old KEK the stored keys cannot be opened, so the server refuses to start.
    await expect(serve([NEW])).rejects.toThrow(/not in KEY_ENCRYPTION_KEYS/);

    const re = await runCli(['reencrypt'], env([NEW, OLD]));
    expect(re.code).toBe(0);
    expect(re.json).toEqual({
      sealing_key_id: encryptionKeyId(NEW),
      total: 2,
      resealed: { [before.header.kid!]: encryptionKeyId(OLD), [nextKid]: encryptionKeyId(OLD) },
    });
    const rows = await db.query<{ private_key: string }>('SELECT private_key FROM signing_keys');
    expect(rows.map((r) => r.private_key.split('.')[1])).toEqual([encryptionKeyId(NEW), encryptionKeyId(NEW)]);
    expect(await db.query(`SELECT actor, action FROM audit_log WHERE action LIKE 'keys.%' ORDER BY id`)).toEqual([
      { actor: 'cli', action: 'keys.next_created' },
      { actor: 'cli', action: 'keys.reencrypted' },
    ]);

    const listed = await runCli(['list'], env([NEW]));
    expect(listed.code).toBe(0);
    expect((listed.json.items as KeyView[]).map((k) => [k.kid, k.status, k.encryption_key_id])).toEqual(
      expect.arrayContaining([
        [before.header.kid, 'active', encryptionKeyId(NEW)],
        [nextKid, 'next', encryptionKeyId(NEW)],
      ]),
    );
    expect(listed.stdout).not.toMatch(/PRIVATE KEY|private_key|"d":/);

    const second = await serve([NEW]);
    try {
      const after = await playgroundToken(second.base);
      expect(after.header.kid).toBe(before.header.kid);
      expect(kids((await fetchJwks(second.base)).keys)).toEqual([before.header.kid, nextKid]);
    } finally {
      await second.stop();
    }
  });

  it('rotates at once with --immediate, and refuses unknown commands and flags', async () => {
    const active = (await db.query<{ kid: string }>(`SELECT kid FROM signing_keys WHERE status = 'active'`))[0].kid;
    const out = await runCli(['rotate', '--immediate'], env([NEW]));
    expect(out.code).toBe(0);
    expect(out.json).toMatchObject({ rotated: true, removed: expect.arrayContaining([active]) });
    expect(await db.query(`SELECT kid FROM signing_keys WHERE kid = $1`, [active])).toEqual([]);

    for (const args of [[], ['frobnicate'], ['list', '--immediate'], ['constructor']]) {
      const bad = await runCli(args, env([NEW]));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('usage: npm run keys -- <command>');
    }
  });
});
