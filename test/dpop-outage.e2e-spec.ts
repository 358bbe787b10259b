import { freePort } from '@app/persistence';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dpopKey, type DpopKey, dpopProof } from './support/dpop';
import { asTestDatabase, type PgProcess, startPgProcess } from './support/pg-process';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

/*
 * The jti single-use insert is the one database write of a DPoP token request (RFC 9449 §11.1): while the database
 * is down such a request answers 503 with Retry-After, never a 500 and never a token whose proof could be replayed;
 * a bearer request of a cached secret client keeps getting tokens; both work again when the database is back.
 */
describe('DPoP token requests during a database outage', () => {
  let dir: string;
  let pg: PgProcess | undefined;
  let t: TestApp | undefined;
  let key: DpopKey;
  const PLAYGROUND = basic('service-client-jwt', 'service-client-jwt-secret');

  const request = async (withProof: boolean) =>
    postForm(
      `${t!.baseUrl}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: PLAYGROUND, ...(withProof ? { DPoP: await dpopProof(key, `${t!.issuer}/oauth2/token`) } : {}) },
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ms-auth-dpop-outage-'));
    chmodSync(dir, 0o755);
    pg = await startPgProcess(join(dir, 'pg'), 0);
    const port = await freePort();
    t = await startTestApp(
      { PORT: String(port), ISSUER: `http://127.0.0.1:${port}/ms-auth-server`, DATABASE_CONNECT_TIMEOUT_MS: '1000', RETRY_AFTER: '7' },
      asTestDatabase(pg.url),
    );
    key = await dpopKey();
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while the database is down, and recovers', async () => {
    // Let the first change-feed poll pass, then cache the client.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await request(true)).status).toBe(200);
    expect((await request(false)).status).toBe(200);
    await pg!.stop();

    const down = await request(true);
    expect(down.status).toBe(503);
    expect(down.body.error).toBe('temporarily_unavailable');
    expect(down.headers.get('retry-after')).toBe('7');
    expect((await request(false)).status).toBe(200);

    pg = await startPgProcess(pg!.dir, pg!.port);
    let res = await request(true);
    for (let i = 0; i < 20 && res.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 250));
      res = await request(true);
    }
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('DPoP');
  });
});
