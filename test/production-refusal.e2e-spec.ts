import { freePort } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { insertClient } from './support/clients';
import { createTestDatabase, type TestDatabase } from './support/database';
import { startServerProcess } from './support/server-process';
import { ADMIN_ID, ADMIN_SECRET } from './support/test-app';

/** No well-known secret in a reachable server. Runs the built server as a real process. */
describe('production start and the playground client (published secret)', () => {
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
      ISSUER: 'https://auth.example.com/ms-auth-server',
      HOST: '127.0.0.1',
      ADMIN_CLIENT_ID: ADMIN_ID,
      ADMIN_CLIENT_SECRET: ADMIN_SECRET,
      LOG_FORMAT: 'json',
      METRICS_PORT: '0', // production's default, 9464, may be taken on this machine
    };
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('does not create the playground client in production', async () => {
    const server = await startServerProcess({ ...env, PORT: String(await freePort()) });
    expect(await server.stop()).toBe(0);
    expect(await db.query(`SELECT client_id FROM oauth_clients ORDER BY client_id`)).toEqual([{ client_id: ADMIN_ID }]);
  });

  it('refuses to start while an enabled client accepts the published secret, saying how to fix it', async () => {
    await insertClient(db, { clientId: 'service-client-jwt', secret: 'service-client-jwt-secret', scopes: ['customer.read'] });
    const started = startServerProcess({ ...env, PORT: String(await freePort()) });
    await expect(started).rejects.toThrow(/server exited with 1 before it logged/);
    const message = String(await started.catch((e: unknown) => e));
    expect(message).toContain(
      'refusing to start in production: client "service-client-jwt" is enabled and accepts the published playground secret',
    );
    expect(message).toContain('npm run cli -- rotate-secret service-client-jwt');
    expect(message).not.toContain('service-client-jwt-secret');

    // Disabled, it no longer works, so the server starts.
    await db.query(`UPDATE oauth_clients SET enabled = false WHERE client_id = 'service-client-jwt'`);
    const server = await startServerProcess({ ...env, PORT: String(await freePort()) });
    expect(await server.stop()).toBe(0);
  });

  it('refuses TRUST_PROXY=true, a placeholder admin secret and a cheap secret hash, all reported at once with exit 78', async () => {
    const started = startServerProcess({
      ...env,
      PORT: String(await freePort()),
      TRUST_PROXY: 'true',
      ADMIN_CLIENT_SECRET: 'a'.repeat(32),
      SECRET_HASH_LOG_N: '10',
    });
    await expect(started).rejects.toThrow(/server exited with 78 before it logged/);
    const message = String(await started.catch((e: unknown) => e));
    expect(message).toContain('TRUST_PROXY=true is refused in production');
    expect(message).toContain('ADMIN_CLIENT_SECRET has fewer than 8 distinct characters');
    expect(message).toContain('SECRET_HASH_LOG_N must be at least 15 (the default) in production');
    expect(message).not.toContain('a'.repeat(32));
  });

  it('refuses SEED_PLAYGROUND_CLIENT=true in production before touching the database', async () => {
    const started = startServerProcess({ ...env, PORT: String(await freePort()), SEED_PLAYGROUND_CLIENT: 'true' });
    await expect(started).rejects.toThrow(/SEED_PLAYGROUND_CLIENT must not be true in production/);
  });
});
