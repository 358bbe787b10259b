import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { clientRow } from './support/clients';
import { ADMIN_ID, ADMIN_SECRET, basic, postForm, startTestApp, type TestApp } from './support/test-app';

const run = promisify(execFile);

const SEED_URL =
  'http://localhost:8085/ms-auth-server/oauth2/token?grant_type=client_credentials&scope=customer.read%20customer.write%20country.read';
const SEED_AUTHORIZATION = 'Authorization: Basic c2VydmljZS1jbGllbnQtand0OnNlcnZpY2UtY2xpZW50LWp3dC1zZWNyZXQ=';

/** The sample request of the quick start (the origin of this server's contract), verbatim, with the real curl binary. */
async function seedCurl(): Promise<{ status: number; headers: string; body: string }> {
  const { stdout } = await run(
    'curl',
    ['--silent', '--show-error', '--include', '--location', '--request', 'POST', SEED_URL, '--header', SEED_AUTHORIZATION],
    { timeout: 15_000 },
  );
  const split = stdout.indexOf('\r\n\r\n');
  const head = stdout.slice(0, split);
  return { status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body: stdout.slice(split + 4) };
}

describe('the seed request (PORT 8085, default BASE_PATH)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ PORT: '8085' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 200 with the seed response shape, and a JWT that verifies against the JWKS endpoint', async () => {
    const res = await seedCurl();
    expect(res.status).toBe(200);
    expect(res.headers).toContain('cache-control: no-store');
    expect(res.headers).toContain('pragma: no-cache');
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).toMatchObject({ scope: 'customer.read customer.write country.read', token_type: 'Bearer', expires_in: 14400 });

    const token = body.access_token as string;
    const jwks = createRemoteJWKSet(new URL('http://localhost:8085/ms-auth-server/oauth2/jwks'));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: 'http://localhost:8085/ms-auth-server',
      audience: 'service-client-jwt',
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: expect.any(String), typ: 'at+jwt' });
    const published = (await (await fetch('http://localhost:8085/ms-auth-server/oauth2/jwks')).json()) as { keys: { kid: string }[] };
    expect(published.keys.map((k) => k.kid)).toContain(decodeProtectedHeader(token).kid);

    expect(payload).toEqual({
      iss: 'http://localhost:8085/ms-auth-server',
      sub: 'service-client-jwt',
      aud: 'service-client-jwt',
      client_id: 'service-client-jwt',
      scope: 'customer.read customer.write country.read',
      jti: expect.any(String),
      iat: expect.any(Number),
      nbf: expect.any(Number),
      exp: expect.any(Number),
    });
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.exp! - payload.iat!).toBe(body.expires_in);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
  });

  it('issues a distinct token (jti) on every request', async () => {
    const a = JSON.parse((await seedCurl()).body) as { access_token: string };
    const b = JSON.parse((await seedCurl()).body) as { access_token: string };
    const jti = (t: string): unknown => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()).jti;
    expect(jti(a.access_token)).not.toEqual(jti(b.access_token));
  });
});

describe('production mode', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production', ISSUER: 'https://auth.example.test/ms-auth-server' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('seeds no playground client: no row, and the seed credentials are refused', async () => {
    expect(await clientRow(t.db, 'service-client-jwt')).toBeUndefined();
    const res = await postForm(`${t.baseUrl}/oauth2/token?grant_type=client_credentials&scope=customer.read`, undefined, {
      authorization: basic('service-client-jwt', 'service-client-jwt-secret'),
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="https://auth.example.test/ms-auth-server"');
    // The server itself works: the configured admin client gets a token.
    const admin = await postForm(
      `${t.baseUrl}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic(ADMIN_ID, ADMIN_SECRET) },
    );
    expect(admin.status).toBe(200);
  });
});
