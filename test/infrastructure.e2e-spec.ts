import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { insertClient } from './support/clients';
import { asTestDatabase, type PgProcess, startPgProcess } from './support/pg-process';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

const PLAYGROUND = basic('service-client-jwt', 'service-client-jwt-secret');
const OTHER = { id: 'not-yet-cached', secret: 'not-yet-cached-secret-0123456789abc' };

/**
 * Fault injection on a PostgreSQL of this test's own (the shared test server is never stopped): the token
 * endpoint keeps serving clients it has already authenticated while the database is down, answers 503 with
 * Retry-After (never 500) when it needs the database, and recovers when the database is back.
 */
describe('database outage', () => {
  let dir: string;
  let pg: PgProcess | undefined;
  let t: TestApp | undefined;
  let tokenUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ms-auth-outage-'));
    chmodSync(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its directory
    pg = await startPgProcess(join(dir, 'pg'), 0);
    t = await startTestApp({ DATABASE_CONNECT_TIMEOUT_MS: '1000', RETRY_AFTER: '7' }, asTestDatabase(pg.url));
    tokenUrl = `${t.baseUrl}/oauth2/token`;
    await insertClient(t, { clientId: OTHER.id, secret: OTHER.secret, scopes: ['x.read'] });
  });

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues a token to the playground client while the database is up (which caches the client)', async () => {
    const res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: PLAYGROUND });
    expect(res.status).toBe(200);
  });

  it('keeps issuing verifiable tokens to the cached client after the database is gone', async () => {
    // A new instance's first change-feed poll (CHANGE_POLL_INTERVAL_MS, 500 ms) may drop what it cached before it:
    // let it pass, and cache the client again, before the outage begins.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: PLAYGROUND })).status).toBe(200);
    await pg!.stop();
    const res = await postForm(tokenUrl, { grant_type: 'client_credentials', scope: 'customer.read' }, { authorization: PLAYGROUND });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'customer.read' });
    const jwks = createRemoteJWKSet(new URL(`${t!.baseUrl}/oauth2/jwks`));
    const { payload } = await jwtVerify(res.body.access_token as string, jwks, { issuer: t!.issuer, typ: 'at+jwt' });
    expect(payload.sub).toBe('service-client-jwt');
  });

  it.each([
    // An id never registered and a wrong secret for a client whose row is in memory need no database: refused as usual.
    ['an unknown client', basic('no-such-client', 'whatever-secret')],
    ['the cached client with a wrong secret', basic('service-client-jwt', 'not-the-secret')],
  ])('answers %s with 401 invalid_client while the database is down, without needing it', async (_, authorization) => {
    const res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
  });

  it.each([['a registered client not authenticated before', basic(OTHER.id, OTHER.secret)]])(
    'answers %s with 503 temporarily_unavailable and Retry-After while the database is down',
    async (_, authorization) => {
      const res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
    },
  );

  it('serves a client it never saw again once the database is back on the same directory and port', async () => {
    pg = await startPgProcess(pg!.dir, pg!.port);
    let res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic(OTHER.id, OTHER.secret) });
    // The pool reconnects on demand; allow a few attempts while PostgreSQL finishes accepting connections.
    for (let i = 0; i < 20 && res.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 250));
      res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic(OTHER.id, OTHER.secret) });
    }
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('x.read');
    const unknown = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('no-such-client', 'x') });
    expect(unknown.status).toBe(401);
  });
});
