import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { adminApi, adminToken, requestToken } from './support/admin-api';
import { startTestApp, type TestApp } from './support/test-app';

const SECRET = 'hook-secret-0123456789abcdef0123456789abcdef';
type Mode = 'add' | 'deny' | 'invalid' | 'slow' | 'down' | 'reserved';

/** The operator's hook: checks the signature header as a real hook must, then answers as `mode` says. */
class FakeHook {
  mode: Mode = 'add';
  calls: { body: Record<string, unknown>; signed: boolean }[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const header = String(req.headers['x-token-hook-signature'] ?? '');
    const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    const expected = m ? createHmac('sha256', SECRET).update(`${m[1]}.${raw}`).digest() : Buffer.alloc(32);
    const signed = m !== null && timingSafeEqual(Buffer.from(m[2], 'hex'), expected) && Math.abs(Date.now() / 1000 - Number(m[1])) < 300;
    const body = JSON.parse(raw) as Record<string, unknown>;
    this.calls.push({ body, signed });
    const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    if (!signed) return void send(401, { error: 'bad signature' });
    switch (this.mode) {
      case 'add':
        return void send(200, { claims: { entitlements: ['orders:read'], seen_tenant: (body.claims as Record<string, unknown>).tenant } });
      case 'deny':
        return void send(200, { error: 'access_denied', error_description: 'billing is frozen for this tenant' });
      case 'invalid':
        return void send(200, { error: 'invalid_request', error_description: 'ask for one audience only' });
      case 'reserved':
        return void send(200, { claims: { sub: 'someone-else' } });
      case 'slow':
        return void setTimeout(() => !res.destroyed && send(200, { claims: { late: true } }), 1000);
      case 'down':
        return void send(500, { error: 'boom' });
    }
  }
}

/*
 * The token hook: asked before signing for clients that opted in, it adds claims or denies; a failing hook is
 * handled as TOKEN_HOOK_FAILURE says, and a circuit breaker keeps a dead hook from costing a timeout per request.
 */
describe('token hook', () => {
  const hook = new FakeHook();
  beforeAll(() => hook.start());
  afterAll(() => hook.close());

  const env = (failure: 'deny' | 'allow') => ({
    TOKEN_HOOK_URL: hook.url,
    TOKEN_HOOK_SECRET: SECRET,
    TOKEN_HOOK_TIMEOUT_MS: '150',
    TOKEN_HOOK_FAILURE: failure,
    TOKEN_HOOK_BREAKER_THRESHOLD: '2',
    TOKEN_HOOK_BREAKER_OPEN_MS: '30000',
  });
  const setup = async (t: TestApp) => {
    const admin = adminApi(t, await adminToken(t));
    const hooked = await admin.post('/admin/clients', { scope: 'orders.read', token_hook: true, token_claims: { tenant: 'acme' } });
    const plain = await admin.post('/admin/clients', { scope: 'orders.read' });
    expect(hooked.status).toBe(201);
    expect(hooked.body.token_hook).toBe(true);
    return {
      admin,
      hooked: () => requestToken(t, hooked.body.client_id, hooked.body.client_secret),
      plain: () => requestToken(t, plain.body.client_id, plain.body.client_secret),
      hookedId: hooked.body.client_id as string,
    };
  };

  describe('TOKEN_HOOK_FAILURE=deny', () => {
    let t: TestApp;
    let c: Awaited<ReturnType<typeof setup>>;
    beforeAll(async () => {
      t = await startTestApp(env('deny'));
      c = await setup(t);
    });
    afterAll(() => t?.close());
    beforeEach(() => {
      hook.mode = 'add';
      hook.calls = [];
    });

    it('adds the claims the hook returns, after checking the HMAC signature, and is sent what the token will say', async () => {
      const res = await c.hooked();
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token as string)).toMatchObject({
        tenant: 'acme',
        entitlements: ['orders:read'],
        seen_tenant: 'acme',
      });
      expect(hook.calls).toEqual([
        {
          signed: true,
          body: {
            grant_type: 'client_credentials',
            client_id: c.hookedId,
            sub: c.hookedId,
            scope: 'orders.read',
            aud: c.hookedId,
            claims: { tenant: 'acme' },
          },
        },
      ]);
    });

    it('never calls the hook for a client that did not opt in', async () => {
      expect((await c.plain()).status).toBe(200);
      expect(hook.calls).toHaveLength(0);
    });

    it('passes on a denial as 403 access_denied or 400 invalid_request with the hook’s description', async () => {
      hook.mode = 'deny';
      const denied = await c.hooked();
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({ error: 'access_denied', error_description: 'billing is frozen for this tenant' });
      hook.mode = 'invalid';
      const invalid = await c.hooked();
      expect(invalid.status).toBe(400);
      expect(invalid.body).toEqual({ error: 'invalid_request', error_description: 'ask for one audience only' });
    });

    it('treats a reserved claim from the hook as a hook failure: no token', async () => {
      hook.mode = 'reserved';
      const res = await c.hooked();
      expect(res.status).toBe(503);
      expect(res.body.error).toBe('temporarily_unavailable');
      // A success resets the failure count the breaker keeps.
      hook.mode = 'add';
      expect((await c.hooked()).status).toBe(200);
    });

    it('a timeout refuses with 503 and Retry-After; the circuit then opens, and closes after the interval', async () => {
      hook.mode = 'slow';
      const started = Date.now();
      const first = await c.hooked();
      expect(first.status).toBe(503);
      expect(first.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(Date.now() - started).toBeLessThan(900); // the 150 ms timeout, not the hook's 1 s
      expect((await c.hooked()).status).toBe(503);
      const callsWhenOpened = hook.calls.length;
      // Open: refused without a call.
      for (let i = 0; i < 5; i++) expect((await c.hooked()).status).toBe(503);
      expect(hook.calls.length).toBe(callsWhenOpened);
      const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/oauth_token_hook_duration_seconds_count\{outcome="circuit_open"\} 5/);
      expect(metrics).toMatch(/oauth_token_hook_duration_seconds_count\{outcome="failed"\} [1-9]/);
      // After the interval one trial goes through; the hook is back, so the circuit closes.
      hook.mode = 'add';
      t.clock.advance(30_001);
      expect((await c.hooked()).status).toBe(200);
      expect((await c.hooked()).status).toBe(200);
      expect(hook.calls.length).toBe(callsWhenOpened + 2);
    });

    it('a client that opts out again gets its tokens without a call', async () => {
      expect((await c.admin.patch(`/admin/clients/${c.hookedId}`, { token_hook: false })).status).toBe(200);
      expect((await c.admin.get(`/admin/clients/${c.hookedId}`)).body.token_hook).toBeUndefined();
      expect((await c.hooked()).status).toBe(200);
      expect(hook.calls).toHaveLength(0);
    });
  });

  describe('TOKEN_HOOK_FAILURE=allow', () => {
    let t: TestApp;
    let c: Awaited<ReturnType<typeof setup>>;
    beforeAll(async () => {
      t = await startTestApp(env('allow'));
      c = await setup(t);
    });
    afterAll(() => t?.close());

    it('a failing or timed-out hook still yields the token, without the hook’s claims', async () => {
      for (const mode of ['down', 'slow'] as const) {
        hook.mode = mode;
        const res = await c.hooked();
        expect(res.status).toBe(200);
        const claims = decodeJwt(res.body.access_token as string);
        expect(claims.tenant).toBe('acme');
        expect(claims.entitlements).toBeUndefined();
      }
    });
  });

  it('without TOKEN_HOOK_URL, token_hook: true is refused naming the field', async () => {
    const t = await startTestApp();
    try {
      const res = await adminApi(t, await adminToken(t)).post('/admin/clients', { scope: 'a', token_hook: true });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([{ field: 'token_hook', message: expect.stringMatching(/TOKEN_HOOK_URL/) }]);
    } finally {
      await t.close();
    }
  });
});
