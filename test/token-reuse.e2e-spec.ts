import { Clock } from '@app/config';
import { decodeJwt } from 'jose';
import { adminApi, adminToken, requestToken } from './support/admin-api';
import { insertClient } from './support/clients';
import { ADMIN_ID, ADMIN_SECRET, basic, postForm, startTestApp, type TestApp } from './support/test-app';

const SECRET = 'a-test-client-secret-long-enough';
const ORDERS = 'https://orders.example.com/';
const STOCK = 'https://stock.example.com/';

async function token(t: TestApp, clientId: string, form: Record<string, string> = {}, secret = SECRET) {
  const res = await requestToken(t, clientId, secret, form);
  expect(res.status).toBe(200);
  return { token: res.body.access_token as string, expiresIn: res.body.expires_in as number, scope: res.body.scope as string | undefined };
}

/** Polls `probe` until it holds, for at most `ms` (the peer learns changes within one poll interval). */
async function eventually(probe: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** TOKEN_REUSE_SECONDS: an identical request within the window gets the same token back. */
describe('token reuse (TOKEN_REUSE_SECONDS)', () => {
  let t: TestApp;
  /** A second instance on the same database, keys and issuer, reuse on too. */
  let peer: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ TOKEN_REUSE_SECONDS: '60', CHANGE_POLL_INTERVAL_MS: '100' });
    for (const id of ['svc-a', 'svc-b']) {
      await insertClient(t, { clientId: id, secret: SECRET, scopes: ['orders.read', 'stock.read'], audiences: [ORDERS, STOCK] });
    }
    await insertClient(t, { clientId: 'svc-short', secret: SECRET, scopes: ['orders.read'], accessTokenTtl: 100 });
    peer = await startTestApp(
      {
        TOKEN_REUSE_SECONDS: '60',
        CHANGE_POLL_INTERVAL_MS: '100',
        ISSUER: t.issuer,
        KEY_ENCRYPTION_KEYS: t.config.keys.encryptionKeys[0].toString('base64url'),
      },
      t.db,
    );
  });
  afterAll(async () => {
    await peer?.close();
    await t?.close();
  });

  it('is off by default: identical requests get distinct tokens', async () => {
    const plain = await startTestApp(
      { ISSUER: t.issuer, KEY_ENCRYPTION_KEYS: t.config.keys.encryptionKeys[0].toString('base64url') },
      t.db,
    );
    try {
      const a = await token(plain, 'svc-a', { scope: 'orders.read' });
      const b = await token(plain, 'svc-a', { scope: 'orders.read' });
      expect(b.token).not.toBe(a.token);
      expect(b.expiresIn).toBe(14400);
    } finally {
      await plain.close();
    }
  });

  it('gives an identical request within the window the same token, with expires_in reduced to what is left', async () => {
    const first = await token(t, 'svc-a', { scope: 'orders.read stock.read' });
    expect(first.expiresIn).toBe(14400);
    const clock = t.app.get(Clock);
    const now = clock.nowSeconds();
    const spy = jest.spyOn(clock, 'nowSeconds').mockReturnValue(now + 10);
    try {
      // The same scope set in another order, and the default audience named explicitly, are the same request.
      const again = await token(t, 'svc-a', { scope: 'stock.read orders.read', resource: ORDERS });
      expect(again.token).toBe(first.token);
      expect(again.expiresIn).toBe(decodeJwt(first.token).exp! - (now + 10));
      expect(again.expiresIn).toBeLessThanOrEqual(14390);
      expect(again.scope).toBe('stock.read orders.read');
    } finally {
      spy.mockRestore();
    }
  });

  it('issues a new token once the window has passed', async () => {
    const first = await token(t, 'svc-a', { scope: 'orders.read' });
    const clock = t.app.get(Clock);
    const spy = jest.spyOn(clock, 'nowSeconds').mockReturnValue(clock.nowSeconds() + 61);
    try {
      expect((await token(t, 'svc-a', { scope: 'orders.read' })).token).not.toBe(first.token);
    } finally {
      spy.mockRestore();
    }
  });

  it('issues a new token for a different scope set, audience or client', async () => {
    const base = await token(t, 'svc-a', { scope: 'orders.read' });
    expect((await token(t, 'svc-a', { scope: 'orders.read' })).token).toBe(base.token);
    const otherScope = await token(t, 'svc-a', { scope: 'orders.read stock.read' });
    const otherAudience = await token(t, 'svc-a', { scope: 'orders.read', resource: STOCK });
    const otherClient = await token(t, 'svc-b', { scope: 'orders.read' });
    const all = [base, otherScope, otherAudience, otherClient].map((r) => r.token);
    expect(new Set(all).size).toBe(4);
    // No scope means every registered scope: the same set as asking for both, so the same request.
    expect((await token(t, 'svc-a')).token).toBe(otherScope.token);
    expect(decodeJwt(otherAudience.token).aud).toBe(STOCK);
    expect(decodeJwt(otherClient.token).client_id).toBe('svc-b');
  });

  it('never reuses admin tokens', async () => {
    const a = await token(t, ADMIN_ID, { scope: 'admin' }, ADMIN_SECRET);
    const b = await token(t, ADMIN_ID, { scope: 'admin' }, ADMIN_SECRET);
    expect(b.token).not.toBe(a.token);
  });

  it('does not reuse for a client whose token lifetime is under twice the window', async () => {
    const a = await token(t, 'svc-short');
    const b = await token(t, 'svc-short');
    expect(a.expiresIn).toBe(100);
    expect(b.token).not.toBe(a.token);
  });

  it('issues a new token after the reused one is revoked, here at once and on another instance', async () => {
    const mine = await token(t, 'svc-a', { scope: 'stock.read' });
    const theirs = await token(peer, 'svc-a', { scope: 'stock.read' });
    expect((await token(peer, 'svc-a', { scope: 'stock.read' })).token).toBe(theirs.token);

    const res = await postForm(`${t.baseUrl}/oauth2/revoke`, { token: theirs.token }, { authorization: basic('svc-a', SECRET) });
    expect(res.status).toBe(200);
    // The token revoked on t was reused on peer only; t's own reused token is still handed out.
    expect((await token(t, 'svc-a', { scope: 'stock.read' })).token).toBe(mine.token);
    expect(await eventually(async () => (await token(peer, 'svc-a', { scope: 'stock.read' })).token !== theirs.token)).toBe(true);

    const revokeHere = await postForm(`${t.baseUrl}/oauth2/revoke`, { token: mine.token }, { authorization: basic('svc-a', SECRET) });
    expect(revokeHere.status).toBe(200);
    expect((await token(t, 'svc-a', { scope: 'stock.read' })).token).not.toBe(mine.token);
  });

  it('issues a new token after any change to the client, here at once and on another instance', async () => {
    const mine = await token(t, 'svc-b', { scope: 'orders.read' });
    const theirs = await token(peer, 'svc-b', { scope: 'orders.read' });
    const admin = adminApi(t, await adminToken(t));
    expect((await admin.patch('/admin/clients/svc-b', { client_name: 'renamed' })).status).toBe(200);
    expect((await token(t, 'svc-b', { scope: 'orders.read' })).token).not.toBe(mine.token);
    expect(await eventually(async () => (await token(peer, 'svc-b', { scope: 'orders.read' })).token !== theirs.token)).toBe(true);
  });

  it('issues a new token after a key rotation, here at once and on another instance', async () => {
    const mine = await token(t, 'svc-a', { scope: 'orders.read', resource: STOCK });
    const theirs = await token(peer, 'svc-a', { scope: 'orders.read', resource: STOCK });
    const admin = adminApi(t, await adminToken(t));
    expect((await admin.post('/admin/keys/rotate?immediate=true')).status).toBe(200);
    const fresh = await token(t, 'svc-a', { scope: 'orders.read', resource: STOCK });
    expect(fresh.token).not.toBe(mine.token);
    expect(
      await eventually(async () => (await token(peer, 'svc-a', { scope: 'orders.read', resource: STOCK })).token !== theirs.token),
    ).toBe(true);
  });
});
