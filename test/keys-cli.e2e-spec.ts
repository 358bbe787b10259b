import { encryptionKeyId, type KeyView } from '@app/keys';
import { freePort } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { type CliRun, runCli } from './support/cli';
import { createTestDatabase, type TestDatabase } from './support/database';
import { fetchJwks, kids, playgroundToken } from './support/keys';
import { startServerProcess } from './support/server-process';
import { ADMIN_ID, ADMIN_SECRET } from './support/test-app';

/** `npm run keys -- <args>`, i.e. `npm run cli -- keys <args>`, with exactly this environment. */
const keys = (args: string[], env: Record<string, string>): Promise<CliRun> => runCli(['keys', ...args], env);

// Each test starts the built CLI (and server) several times: slow on a loaded machine.
jest.setTimeout(180_000);

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

    const published = await keys(['rotate'], env([OLD]));
    expect(published.code).toBe(0);
    expect(published.json).toMatchObject({
      rotated: false,
      active: { kid: before.header.kid, status: 'active' },
      next: { status: 'next' },
    });
    const nextKid = (published.json.next as KeyView).kid;

    // Without the old KEK the stored keys cannot be opened, so the server refuses to start.
    await expect(serve([NEW])).rejects.toThrow(/not in KEY_ENCRYPTION_KEYS/);

    const re = await keys(['reencrypt'], env([NEW, OLD]));
    expect(re.code).toBe(0);
    expect(re.json).toEqual({
      sealing_key_id: encryptionKeyId(NEW),
      total: 2,
      resealed: { [before.header.kid!]: encryptionKeyId(OLD), [nextKid]: encryptionKeyId(OLD) },
      client_secrets: { total: 0, resealed: [] },
    });
    const rows = await db.query<{ private_key: string }>('SELECT private_key FROM signing_keys');
    expect(rows.map((r) => r.private_key.split('.')[1])).toEqual([encryptionKeyId(NEW), encryptionKeyId(NEW)]);
    expect(await db.query(`SELECT actor, action FROM audit_log WHERE action LIKE 'keys.%' ORDER BY id`)).toEqual([
      { actor: 'system:startup', action: 'keys.activated' },
      { actor: 'cli', action: 'keys.next_created' },
      { actor: 'cli', action: 'keys.reencrypted' },
    ]);

    const listed = await keys(['list'], env([NEW]));
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
    const out = await keys(['rotate', '--immediate'], env([NEW]));
    expect(out.code).toBe(0);
    expect(out.json).toMatchObject({ rotated: true, removed: expect.arrayContaining([active]) });
    expect(await db.query(`SELECT kid FROM signing_keys WHERE kid = $1`, [active])).toEqual([]);

    for (const args of [[], ['frobnicate'], ['list', '--immediate'], ['constructor']]) {
      const bad = await keys(args, env([NEW]));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('Usage: npm run cli -- <command>');
    }
  });
});
