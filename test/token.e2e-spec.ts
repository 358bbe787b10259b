import { generateClientSecret, matchesFastDigest, SecretHasher } from '@app/clients';
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { clientRow, insertClient } from './support/clients';
import { ADMIN_ID, ADMIN_SECRET, basic, postForm, startTestApp, type TestApp } from './support/test-app';

const PLAYGROUND = { id: 'service-client-jwt', secret: 'service-client-jwt-secret' };
const SEED_SCOPES = 'customer.read customer.write country.read';
const PHC = /^\$scrypt\$ln=\d+,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

async function verified(t: TestApp, token: string, audience?: string): Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(`${t.baseUrl}/oauth2/jwks`));
  const { payload } = await jwtVerify(token, jwks, { issuer: t.issuer, audience, typ: 'at+jwt' });
  return payload;
}

function expectNoStore(res: { headers: Headers }): void {
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('pragma')).toBe('no-cache');
}

describe('token endpoint: successful requests', () => {
  let t: TestApp;
  let tokenUrl: string;

  beforeAll(async () => {
    t = await startTestApp();
    tokenUrl = `${t.baseUrl}/oauth2/token`;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('grants every registered scope when none is requested (RFC 6749 §3.3)', async () => {
    const res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic(PLAYGROUND.id, PLAYGROUND.secret) });
    expect(res.status).toBe(200);
    expectNoStore(res);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 14400, scope: SEED_SCOPES });
    expect((await verified(t, res.body.access_token as string, PLAYGROUND.id)).scope).toBe(SEED_SCOPES);
  });

  it('grants a requested subset, in the requested order, without duplicates', async () => {
    const res = await postForm(
      tokenUrl,
      { grant_type: 'client_credentials', scope: 'country.read customer.read  country.read' },
      { authorization: basic(PLAYGROUND.id, PLAYGROUND.secret) },
    );
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('country.read customer.read');
    expect((await verified(t, res.body.access_token as string)).scope).toBe('country.read customer.read');
  });

  it('reads grant_type and scope from the query string with an empty form body', async () => {
    const res = await postForm(`${tokenUrl}?grant_type=client_credentials&scope=country.read`, '', {
      authorization: basic(PLAYGROUND.id, PLAYGROUND.secret),
    });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('country.read');
  });

  it('uses the per-client token lifetime and audience', async () => {
    await insertClient(t, {
      clientId: 'short-lived',
      secret: 'short-lived-secret-0123456789abcdef',
      scopes: ['orders.read'],
      accessTokenTtl: 600,
      audiences: ['https://orders.example.com'],
    });
    const res = await postForm(
      tokenUrl,
      { grant_type: 'client_credentials' },
      { authorization: basic('short-lived', 'short-lived-secret-0123456789abcdef') },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ expires_in: 600, scope: 'orders.read' });
    const claims = await verified(t, res.body.access_token as string, 'https://orders.example.com');
    expect(claims).toMatchObject({ aud: 'https://orders.example.com', sub: 'short-lived', client_id: 'short-lived' });
    expect(claims.exp! - claims.iat!).toBe(600);
  });

  describe('RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding', () => {
    const ODD = { id: 'odd:client%id+with space-é', secret: 'se:cr%et+with spaces-ü€' };
    const ODD_POST = { id: 'odd:post%client+ é', secret: 'post:se%cr+et ü€' };

    beforeAll(async () => {
      await insertClient(t, { clientId: ODD.id, secret: ODD.secret, scopes: ['x.read'] });
      await insertClient(t, {
        clientId: ODD_POST.id,
        secret: ODD_POST.secret,
        scopes: ['x.read'],
        tokenEndpointAuthMethod: 'client_secret_post',
      });
      await insertClient(t, { clientId: 'plus client', secret: 'plus secret with spaces', scopes: ['x.read'] });
      await insertClient(t, { clientId: 'a+b', secret: 'c+d-secret', scopes: ['x.read'] });
    });

    it('accepts an id and secret with ":", "%", "+", space and non-ASCII characters via client_secret_basic', async () => {
      const res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic(ODD.id, ODD.secret) });
      expect(res.status).toBe(200);
      const claims = await verified(t, res.body.access_token as string);
      expect(claims).toMatchObject({ sub: ODD.id, client_id: ODD.id, aud: ODD.id });
    });

    it('accepts them via client_secret_post', async () => {
      const res = await postForm(tokenUrl, { grant_type: 'client_credentials', client_id: ODD_POST.id, client_secret: ODD_POST.secret });
      expect(res.status).toBe(200);
      expect((await verified(t, res.body.access_token as string)).client_id).toBe(ODD_POST.id);
    });

    it('reads a literal "+" in the Basic credentials as a space', async () => {
      const res = await postForm(
        tokenUrl,
        { grant_type: 'client_credentials' },
        { authorization: `Basic ${b64('plus+client:plus+secret+with+spaces')}` },
      );
      expect(res.status).toBe(200);
      expect((await verified(t, res.body.access_token as string)).sub).toBe('plus client');
    });

    it('needs %2B for a real "+": an unencoded "+" is a space and does not match', async () => {
      const encoded = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('a+b', 'c+d-secret') });
      expect(encoded.status).toBe(200);
      expect((await verified(t, encoded.body.access_token as string)).sub).toBe('a+b');
      const raw = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: `Basic ${b64('a+b:c+d-secret')}` });
      expect(raw.status).toBe(401);
      expect(raw.body.error).toBe('invalid_client');
    });

    it('refuses the form-encoded secret taken literally', async () => {
      const literal = `Basic ${b64(`${encodeURIComponent(ODD.id)}:${encodeURIComponent(encodeURIComponent(ODD.secret))}`)}`;
      expect((await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: literal })).status).toBe(401);
    });
  });

  describe('secrets at rest and in logs', () => {
    it('stores a short supplied secret (the playground one) with salted scrypt, and a 256-bit shaped one as a SHA-256 digest', async () => {
      const playground = await clientRow(t.db, PLAYGROUND.id);
      const admin = await clientRow(t.db, ADMIN_ID);
      expect(playground!.secret_hash).toMatch(PHC);
      expect(playground!.secret_hash).toMatch(/^\$scrypt\$ln=12,/);
      // ADMIN_SECRET is 44 base64url characters: the operator vouches for its randomness, so no slow hash.
      expect(admin!.secret_hash).toBe(`$sha256$${createHash('sha256').update(ADMIN_SECRET).digest('base64').slice(0, 43)}`);
      for (const [row, secret] of [
        [playground, PLAYGROUND.secret],
        [admin, ADMIN_SECRET],
      ] as const) {
        expect(JSON.stringify(row)).not.toContain(secret);
      }
      const all = JSON.stringify(await t.db.query('SELECT * FROM oauth_clients'));
      expect(all).not.toContain(PLAYGROUND.secret);
      expect(all).not.toContain(ADMIN_SECRET);
    });

    it('logs no secret, token, Authorization value or query string, for successes and failures', async () => {
      const goodAuth = basic(PLAYGROUND.id, PLAYGROUND.secret);
      const badSecret = 'wrong-secret-that-must-not-be-logged';
      const badAuth = basic(PLAYGROUND.id, badSecret);
      const ok = await postForm(`${tokenUrl}?grant_type=client_credentials&scope=customer.read`, undefined, { authorization: goodAuth });
      expect(ok.status).toBe(200);
      const failed = await postForm(`${tokenUrl}?grant_type=client_credentials&scope=country.read`, undefined, { authorization: badAuth });
      expect(failed.status).toBe(401);
      const posted = await postForm(tokenUrl, { grant_type: 'client_credentials', client_id: PLAYGROUND.id, client_secret: badSecret });
      expect(posted.status).toBe(401);
      const malformed = await postForm(
        `${tokenUrl}?scope=customer.read`,
        { grant_type: 'client_credentials' },
        { authorization: 'Basic %%%' },
      );
      expect(malformed.status).toBe(401);

      const logs = t.logs.join('\n');
      // The access lines are there (so the checks below look at real output), with the route pattern only.
      const access = t.logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'request' && l.method === 'POST' && l.route === '/ms-auth-server/oauth2/token');
      expect(access.map((l) => l.status)).toEqual(expect.arrayContaining([200, 401]));
      for (const forbidden of [
        PLAYGROUND.secret,
        badSecret,
        ADMIN_SECRET,
        ok.body.access_token as string,
        (ok.body.access_token as string).split('.')[2],
        goodAuth.slice('Basic '.length),
        badAuth.slice('Basic '.length),
        'Basic %%%',
        'grant_type=',
        'scope=',
        '/oauth2/token?',
      ]) {
        expect(logs).not.toContain(forbidden);
      }
    });
  });

  it('re-hashes a secret stored with weaker parameters after one successful request', async () => {
    const secret = 'weakly-hashed-secret-0123456789abcdef';
    const weak = await insertClient(t, { clientId: 'weak-hash', secret, scopes: ['x.read'], hashLogN: 10 });
    expect(weak).toMatch(/^\$scrypt\$ln=10,/);
    const res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('weak-hash', secret) });
    expect(res.status).toBe(200);
    let stored = weak;
    for (let i = 0; i < 50 && stored === weak; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = (await clientRow(t.db, 'weak-hash'))!.secret_hash as string;
    }
    expect(stored).toMatch(/^\$scrypt\$ln=12,r=8,p=1\$/);
    expect(stored).not.toContain(secret);
    expect(await new SecretHasher(t.config.secrets, t.config.throttle).verify(secret, stored)).toEqual({ valid: true, needsRehash: false });
  });

  it('moves a 256-bit shaped secret stored with scrypt to a fast digest after one successful request', async () => {
    const secret = generateClientSecret();
    const slow = await insertClient(t, { clientId: 'scrypt-era', secret, scopes: ['x.read'] });
    expect(slow).toMatch(/^\$scrypt\$ln=12,/);
    const res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('scrypt-era', secret) });
    expect(res.status).toBe(200);
    let stored = slow;
    for (let i = 0; i < 50 && stored === slow; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = (await clientRow(t.db, 'scrypt-era'))!.secret_hash as string;
    }
    expect(stored).toMatch(/^\$sha256\$/);
    expect(matchesFastDigest(secret, stored)).toBe(true);
    // And the secret keeps working, now without any slow hash.
    const again = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('scrypt-era', secret) });
    expect(again.status).toBe(200);
  });

  it('does not re-hash after a failed request', async () => {
    const weak = await insertClient(t, {
      clientId: 'weak-hash-2',
      secret: 'weakly-hashed-secret-2-0123456789ab',
      scopes: ['x.read'],
      hashLogN: 10,
    });
    const res = await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('weak-hash-2', 'wrong') });
    expect(res.status).toBe(401);
    // A successful request for another weak client acts as a barrier: its re-hash is done once visible.
    const barrierSecret = 'weakly-hashed-secret-3-0123456789ab';
    const barrier = await insertClient(t, { clientId: 'weak-hash-3', secret: barrierSecret, scopes: ['x.read'], hashLogN: 10 });
    expect(
      (await postForm(tokenUrl, { grant_type: 'client_credentials' }, { authorization: basic('weak-hash-3', barrierSecret) })).status,
    ).toBe(200);
    for (let i = 0; i < 50 && (await clientRow(t.db, 'weak-hash-3'))!.secret_hash === barrier; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await clientRow(t.db, 'weak-hash-3'))!.secret_hash).not.toBe(barrier);
    expect((await clientRow(t.db, 'weak-hash-2'))!.secret_hash).toBe(weak);
  });
});

describe('TOKEN_SCOPE_FORMAT=array', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ TOKEN_SCOPE_FORMAT: 'array' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('puts the scope claim as a JSON array (as Spring does); the response keeps the RFC 6749 string', async () => {
    const res = await postForm(
      `${t.baseUrl}/oauth2/token`,
      { grant_type: 'client_credentials', scope: 'customer.read country.read' },
      {
        authorization: basic(PLAYGROUND.id, PLAYGROUND.secret),
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('customer.read country.read');
    expect((await verified(t, res.body.access_token as string)).scope).toEqual(['customer.read', 'country.read']);
  });
});
