import { request as httpRequest, type Server } from 'node:http';
import { adminApi, adminToken, call } from './support/admin-api';
import { basic, postForm, startTestApp, type TestApp } from './support/test-app';

/** Sends a raw request (headers the fetch API refuses, such as a 20 KB header block) and reads the answer. */
function raw(
  t: TestApp,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: t.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function expectSecurityHeaders(name: string, headers: Headers): void {
  const got = Object.fromEntries(Object.keys(SECURITY_HEADERS).map((h) => [h, headers.get(h)]));
  expect({ name, ...got }).toEqual({ name, ...SECURITY_HEADERS });
  expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
}

describe('HTTP hardening', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    token = await adminToken(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends the security headers on every kind of response, and no HSTS for an http issuer', async () => {
    const responses: [string, Response][] = [
      ['token', await fetch(`${t.baseUrl}/oauth2/token?grant_type=client_credentials`, { method: 'POST' })],
      ['jwks', await fetch(`${t.baseUrl}/oauth2/jwks`)],
      ['metadata', await fetch(`${t.origin}/.well-known/oauth-authorization-server/ms-auth-server`)],
      ['unknown path', await fetch(`${t.baseUrl}/nope`)],
      ['wrong method', await fetch(`${t.baseUrl}/oauth2/token`, { method: 'PUT' })],
      ['admin', await fetch(`${t.baseUrl}/admin/clients`, { headers: { authorization: `Bearer ${token}` } })],
      ['admin without token', await fetch(`${t.baseUrl}/admin/clients`)],
    ];
    for (const [name, res] of responses) {
      await res.arrayBuffer();
      expectSecurityHeaders(name, res.headers);
      expect({ name, hsts: res.headers.get('strict-transport-security') }).toEqual({ name, hsts: null });
    }
  });

  it('answers an oversized header block with the JSON error shape, not a bare 431', async () => {
    const res = await raw(t, '/ms-auth-server/oauth2/jwks', { 'x-padding': 'a'.repeat(20_000) });
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.body)).toEqual({ error: 'invalid_request', error_description: 'Request header fields too large' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // The server still answers normally afterwards.
    expect((await fetch(`${t.baseUrl}/oauth2/jwks`)).status).toBe(200);
  });

  it('sets the request, headers and keep-alive timeouts on the Node server', () => {
    const server: Server = t.app.getHttpServer();
    expect(server.requestTimeout).toBe(30_000);
    expect(server.headersTimeout).toBe(10_000);
    expect(server.keepAliveTimeout).toBe(72_000);
  });

  describe('an empty body sent as application/json is accepted where the body is optional', () => {
    const json = { 'content-type': 'application/json' };
    const api = (): ReturnType<typeof adminApi> => adminApi(t, token);

    it('DELETE /admin/clients/{id}', async () => {
      expect((await api().post('/admin/clients', { client_id: 'empty-delete', scope: 'a' })).status).toBe(201);
      const res = await call(t, 'DELETE', '/admin/clients/empty-delete', { token, body: '', headers: json });
      expect(res.status).toBe(204);
      expect((await api().get('/admin/clients/empty-delete')).status).toBe(404);
    });

    it('POST /admin/clients/{id}/secret', async () => {
      const created = await api().post('/admin/clients', { client_id: 'empty-rotate', scope: 'a' });
      const res = await call(t, 'POST', '/admin/clients/empty-rotate/secret', { token, body: '', headers: json });
      expect(res.status).toBe(200);
      expect(res.body.client_secret).toEqual(expect.any(String));
      expect(res.body.client_secret).not.toBe(created.body.client_secret);
      const old = await postForm(
        `${t.baseUrl}/oauth2/token`,
        { grant_type: 'client_credentials' },
        {
          authorization: basic('empty-rotate', created.body.client_secret as string),
        },
      );
      expect(old.status).toBe(401);
    });

    it('POST /admin/keys/rotate', async () => {
      const res = await call(t, 'POST', '/admin/keys/rotate', { token, body: '', headers: json });
      expect([200, 202]).toContain(res.status);
      expect(res.body.active).toEqual(expect.objectContaining({ kid: expect.any(String) }));
    });
  });
});

describe('X-Forwarded-For without TRUST_PROXY', () => {
  it('is ignored, and a warning says so once: a load balancer nobody configured makes all clients share one address', async () => {
    const t = await startTestApp();
    try {
      for (const ip of ['203.0.113.7', '203.0.113.8']) {
        expect((await fetch(`${t.baseUrl}/health/live`, { headers: { 'x-forwarded-for': ip } })).status).toBe(200);
      }
      const warnings = t.logs.filter((l) => l.includes('X-Forwarded-For but TRUST_PROXY is unset'));
      expect(warnings).toEqual([expect.stringContaining('"level":40')]);
      expect(warnings[0]).not.toContain('203.0.113');
    } finally {
      await t.close();
    }
  });

  it('says nothing when TRUST_PROXY names the proxy', async () => {
    const t = await startTestApp({ TRUST_PROXY: '127.0.0.1' });
    try {
      expect((await fetch(`${t.baseUrl}/health/live`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
      expect(t.logs.filter((l) => l.includes('X-Forwarded-For'))).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('OpenAPI UI in production', () => {
  const production = {
    NODE_ENV: 'production',
    ISSUER: 'https://auth.example.test/ms-auth-server',
  };

  it('is off in production, with HSTS on an https issuer', async () => {
    const t = await startTestApp(production);
    try {
      const ui = await fetch(`${t.baseUrl}/docs/openapi.json`);
      expect(ui.status).toBe(404);
      expect(ui.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await t.close();
    }
  });

  it('is served in production with DOCS_ENABLED=true', async () => {
    const t = await startTestApp({ ...production, DOCS_ENABLED: 'true' });
    try {
      const doc = await fetch(`${t.baseUrl}/docs/openapi.json`);
      expect(doc.status).toBe(200);
      expect(((await doc.json()) as { openapi: string }).openapi).toMatch(/^3\./);
      // Served, but the operator is told once that the admin API's description is public.
      expect(t.logs.filter((l) => l.includes('DOCS_ENABLED=true in production'))).toEqual([expect.stringContaining('"level":40')]);
    } finally {
      await t.close();
    }
  });
});
