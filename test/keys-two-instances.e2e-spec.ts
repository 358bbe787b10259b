import type { KeyView } from '@app/keys';
import { freePort } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createTestDatabase, type TestDatabase } from './support/database';
import { adminApi } from './support/admin-api';
import { fetchJwks, kids, playgroundToken, sleepUntil, waitFor } from './support/keys';
import { type ServerProcess, startServerProcess } from './support/server-process';
import { ADMIN_ID, ADMIN_SECRET } from './support/test-app';

/** Needs the built server: `npx nest build` (npm test builds first). */
describe('two server processes on one database', () => {
  let db: TestDatabase;
  let one: ServerProcess | undefined;
  let two: ServerProcess | undefined;
  let base1: string;
  let base2: string;
  const issuer = 'http://auth.example.test/ms-auth-server';

  beforeAll(async () => {
    db = await createTestDatabase();
    const shared = {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
      ISSUER: issuer,
      ADMIN_CLIENT_ID: ADMIN_ID,
      ADMIN_CLIENT_SECRET: ADMIN_SECRET,
      SECRET_HASH_LOG_N: '12',
      DATABASE_POOL_SIZE: '4',
      CHANGE_POLL_INTERVAL_MS: '100',
      JWKS_MAX_AGE: '1',
    };
    const [p1, p2] = [await freePort(), await freePort()];
    // Started together on the empty database: migrations and the first key are made once.
    [one, two] = await Promise.all([
      startServerProcess({ ...shared, PORT: String(p1) }),
      startServerProcess({ ...shared, PORT: String(p2) }),
    ]);
    base1 = `http://127.0.0.1:${p1}/ms-auth-server`;
    base2 = `http://127.0.0.1:${p2}/ms-auth-server`;
  }, 90_000);

  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    await db?.drop();
  });

  it('agree on the JWKS and the signing key, before and after a rotation made through one of them', async () => {
    const [a0, b0] = [await playgroundToken(base1), await playgroundToken(base2)];
    expect(b0.header.kid).toBe(a0.header.kid);
    expect((await fetchJwks(base2)).keys).toEqual((await fetchJwks(base1)).keys);

    const first = await adminApi(base1).post('/admin/keys/rotate');
    expect(first.status).toBe(202);
    const next = first.body.next as KeyView;
    // The other process publishes the next key too, well before it may sign.
    await waitFor(
      'process two to publish the next key',
      async () => (kids((await fetchJwks(base2)).keys).includes(next.kid) ? true : undefined),
      5_000,
    );

    await sleepUntil(next.not_before!);
    const rotated = await adminApi(base1).post('/admin/keys/rotate');
    expect(rotated.status).toBe(200);
    expect((rotated.body.active as KeyView).kid).toBe(next.kid);

    // Within a change-poll interval, process two signs with the promoted key as well.
    const b1 = await waitFor(
      'process two to sign with the new key',
      async () => {
        const t = await playgroundToken(base2);
        return t.header.kid === next.kid ? t : undefined;
      },
      5_000,
    );
    const a1 = await playgroundToken(base1);
    expect(a1.header.kid).toBe(next.kid);

    const [j1, j2] = [await fetchJwks(base1), await fetchJwks(base2)];
    expect(j2.keys).toEqual(j1.keys);
    expect(kids(j1.keys)).toEqual([next.kid, a0.header.kid, (rotated.body.next as KeyView).kid]);

    // Every token, from either process, before or after, verifies against either JWKS.
    for (const base of [base1, base2]) {
      const remote = createRemoteJWKSet(new URL(`${base}/oauth2/jwks`));
      for (const t of [a0, b0, a1, b1]) {
        await expect(jwtVerify(t.token, remote, { issuer, typ: 'at+jwt' })).resolves.toBeDefined();
      }
    }
    const listed = [(await adminApi(base1).get('/admin/keys')).body, (await adminApi(base2).get('/admin/keys')).body];
    expect(listed[1]).toEqual(listed[0]);
  });
});
