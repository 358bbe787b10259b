import { SecretHasher } from '@app/clients';
import { ChangeFeed } from '@app/persistence';
import { decodeJwt } from 'jose';
import { accessToken, adminApi, adminToken, requestToken } from './support/admin-api';
import { insertClient } from './support/clients';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

/** A supplied secret (under 43 characters): stored with scrypt, so its first verification on an instance is slow. */
const SUPPLIED = 'supplied-secret-0123456789-abcdef';

function gate(): { held: Promise<void>; release: () => void } {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  return { held, release };
}

/**
 * Holds every slow verification on `t` until the returned gate is released, and tells when one is waiting: the
 * race between a secret check and a change is forced, not hoped for with a sleep.
 */
function holdSlowVerifications(t: TestApp): { started: Promise<void>; release: () => void; restore: () => void } {
  const hasher = t.app.get(SecretHasher);
  const original = hasher.check.bind(hasher);
  const lock = gate();
  let signalStarted!: () => void;
  const started = new Promise<void>((r) => (signalStarted = r));
  const spy = jest.spyOn(hasher, 'check').mockImplementation(async (...args) => {
    signalStarted();
    await lock.held;
    return original(...args);
  });
  return { started, release: lock.release, restore: () => spy.mockRestore() };
}

/**
 * An operator who cuts off a client must be able to trust it is cut off on every instance. Two instances (A, B)
 * share one database; each change is made through A and must win on B, whatever B was doing when it landed.
 */
describe('every change wins, on every instance', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ CHANGE_POLL_INTERVAL_MS: '100', TOKEN_REUSE_SECONDS: '60' });
    b = await startTestApp(
      {
        CHANGE_POLL_INTERVAL_MS: '100',
        TOKEN_REUSE_SECONDS: '60',
        ISSUER: a.issuer,
        KEY_ENCRYPTION_KEYS: a.config.keys.encryptionKeys[0].toString('base64url'),
      },
      a.db,
    );
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  async function registered(clientId: string): Promise<void> {
    await insertClient(a, { clientId, secret: SUPPLIED, scopes: ['x.read'] });
    await b.app.get(ChangeFeed).poll();
  }

  it('a client disabled through A while B is verifying its secret is refused by B at once and afterwards', async () => {
    await registered('racer');
    const held = holdSlowVerifications(b);
    try {
      const inFlight = requestToken(b, 'racer', SUPPLIED);
      await held.started;
      // B read the row (enabled) and waits in its slow verification; the client is disabled meanwhile.
      expect((await adminApi(a, await adminToken(a)).patch('/admin/clients/racer', { enabled: false })).status).toBe(200);
      await b.app.get(ChangeFeed).poll();
      held.release();
      expect((await inFlight).status).toBe(401);
    } finally {
      held.restore();
    }
    // Nothing B remembered from before the change answers for it: refused now, and with no TTL to wait for.
    expect((await requestToken(b, 'racer', SUPPLIED)).status).toBe(401);
    expect((await requestToken(a, 'racer', SUPPLIED)).status).toBe(401);
  });

  it('a secret rotated with revoke_tokens through A while B is verifying the old one gets no token on B', async () => {
    await registered('rotating');
    const held = holdSlowVerifications(b);
    let rotated: string;
    try {
      const inFlight = requestToken(b, 'rotating', SUPPLIED);
      await held.started;
      const res = await adminApi(a, await adminToken(a)).post('/admin/clients/rotating/secret', { grace_seconds: 0, revoke_tokens: true });
      expect(res.status).toBe(200);
      rotated = res.body.client_secret as string;
      await b.app.get(ChangeFeed).poll();
      held.release();
      expect((await inFlight).status).toBe(401);
    } finally {
      held.restore();
    }
    expect((await requestToken(b, 'rotating', SUPPLIED)).status).toBe(401);
    expect((await requestToken(b, 'rotating', rotated)).status).toBe(200);
  });

  it('a disable through A is refused by B within one poll interval, measured', async () => {
    await registered('propagated');
    expect((await requestToken(b, 'propagated', SUPPLIED)).status).toBe(200);
    const started = performance.now();
    expect((await adminApi(a, await adminToken(a)).patch('/admin/clients/propagated', { enabled: false })).status).toBe(200);
    const committed = performance.now();
    expect((await requestToken(a, 'propagated', SUPPLIED)).status).toBe(401);
    while ((await requestToken(b, 'propagated', SUPPLIED)).status === 200 && performance.now() - committed < 5_000) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const seenAfter = performance.now() - committed;
    process.stdout.write(
      `cut-off propagation: the admin call took ${Math.round(committed - started)} ms; B refused ${Math.round(seenAfter)} ms after it (poll interval 100 ms)\n`,
    );
    // One poll interval (100 ms here) plus the poll's query, with room for a loaded CI machine.
    expect(seenAfter).toBeLessThan(1_000);
  });

  it('revoke_tokens ends the old secret’s grace at once, whatever grace_seconds asked for', async () => {
    await registered('leaked');
    const res = await adminApi(a, await adminToken(a)).post('/admin/clients/leaked/secret', { grace_seconds: 3600, revoke_tokens: true });
    expect(res.status).toBe(200);
    expect(res.body.previous_secret_expires_at).toBeNull();
    expect(res.body.tokens_revoked_before).toEqual(expect.any(Number));
    await b.app.get(ChangeFeed).poll();
    for (const t of [a, b]) expect((await requestToken(t, 'leaked', SUPPLIED)).status).toBe(401);
    const [audit] = await a.db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_log WHERE client_id = 'leaked' AND action = 'client.secret_rotated'`,
    );
    expect(audit.details).toEqual(expect.objectContaining({ grace_seconds: 0, grace_ended_by_revoke_tokens: true }));
  });

  it('token reuse never hands out a token issued at or before a cut-off, even in the cut-off’s own second', async () => {
    await registered('reused');
    const introspect = (token: string) =>
      postForm(`${a.baseUrl}/oauth2/introspect`, { token }, { authorization: basic('reused', SUPPLIED) });
    const first = await accessToken(a, 'reused', SUPPLIED);
    expect(await accessToken(a, 'reused', SUPPLIED)).toBe(first);
    const cut = await adminApi(a, await adminToken(a)).post('/admin/clients/reused/revoke-tokens');
    expect(cut.status).toBe(200);
    // The feed's echo of the cut-off drops this instance's reusable tokens once more; let it come before `next`
    // is stored, so "reused from now on" below is not decided by when the next poll happens to run.
    await a.app.get(ChangeFeed).poll();
    expect((await introspect(first)).body).toEqual({ active: false });
    // Asked again at once (usually still in the cut-off's second): a new token, and an active one.
    const next = await accessToken(a, 'reused', SUPPLIED);
    expect(next).not.toBe(first);
    expect(decodeJwt(next).iat).toBeGreaterThan(cut.body.tokens_revoked_before as number);
    expect((await introspect(next)).body).toEqual(expect.objectContaining({ active: true }));
    // And that one is reused from now on.
    expect(await accessToken(a, 'reused', SUPPLIED)).toBe(next);
  });
});
