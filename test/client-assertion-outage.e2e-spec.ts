import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminApi, adminToken } from './support/admin-api';
import { clientAssertion, JWT_BEARER, signingKey, type SigningKey } from './support/assertions';
import { asTestDatabase, type PgProcess, startPgProcess } from './support/pg-process';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

/*
 * The single-use jti insert is the one database write on the token path: a private_key_jwt client
 * answers 503 with Retry-After while the database is down, even when cached, and works again when it is back;
 * a cached secret client keeps getting tokens (its hot path has no database round trip).
 */
describe('assertion clients during a database outage', () => {
  let dir: string;
  let pg: PgProcess | undefined;
  let t: TestApp | undefined;
  let key: SigningKey;
  const PLAYGROUND = basic('service-client-jwt', 'service-client-jwt-secret');

  const withAssertion = async () =>
    postForm(`${t!.baseUrl}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
      client_assertion: await clientAssertion(key, 'pk-outage', t!.issuer),
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ms-auth-assertion-outage-'));
    chmodSync(dir, 0o755);
    pg = await startPgProcess(join(dir, 'pg'), 0);
    t = await startTestApp({ DATABASE_CONNECT_TIMEOUT_MS: '1000', RETRY_AFTER: '7' }, asTestDatabase(pg.url));
    key = await signingKey('o1');
    const res = await adminApi(t, await adminToken(t)).post('/admin/clients', {
      client_id: 'pk-outage',
      scope: 'read',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while the database is down, and recovers', async () => {
    // Let the first change-feed poll pass, then cache both clients.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await withAssertion()).status).toBe(200);
    expect((await postForm(`${t!.baseUrl}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: PLAYGROUND })).status).toBe(
      200,
    );
    await pg!.stop();

    const down = await withAssertion();
    expect(down.status).toBe(503);
    expect(down.body.error).toBe('temporarily_unavailable');
    expect(down.headers.get('retry-after')).toBe('7');
    const secretClient = await postForm(`${t!.baseUrl}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: PLAYGROUND });
    expect(secretClient.status).toBe(200);

    pg = await startPgProcess(pg!.dir, pg!.port);
    let res = await withAssertion();
    for (let i = 0; i < 20 && res.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 250));
      res = await withAssertion();
    }
    expect(res.status).toBe(200);
  });
});
