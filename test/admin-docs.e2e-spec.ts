import { startTestApp, type TestApp } from './support/test-app';

describe('admin API: OpenAPI description and Swagger UI', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the OpenAPI JSON of every admin route, and only those', async () => {
    const res = await fetch(`${t.baseUrl}/docs/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toMatch(/^3\./);
    const ops = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(ops.sort()).toEqual(
      [
        'GET /ms-auth-server/admin/audit',
        'GET /ms-auth-server/admin/clients',
        'POST /ms-auth-server/admin/clients',
        'GET /ms-auth-server/admin/clients/{client_id}',
        'PATCH /ms-auth-server/admin/clients/{client_id}',
        'DELETE /ms-auth-server/admin/clients/{client_id}',
        'POST /ms-auth-server/admin/clients/{client_id}/secret',
        'POST /ms-auth-server/admin/clients/{client_id}/revoke-tokens',
        'GET /ms-auth-server/admin/keys',
        'POST /ms-auth-server/admin/keys/rotate',
        'GET /ms-auth-server/admin/trusted-issuers',
        'POST /ms-auth-server/admin/trusted-issuers',
        'GET /ms-auth-server/admin/trusted-issuers/{issuer}',
        'PATCH /ms-auth-server/admin/trusted-issuers/{issuer}',
        'DELETE /ms-auth-server/admin/trusted-issuers/{issuer}',
        // Clients as code
        'POST /ms-auth-server/admin/config/plan',
        'POST /ms-auth-server/admin/config/apply',
        'GET /ms-auth-server/admin/config/export',
        'GET /ms-auth-server/admin/schema/config.json',
        // The admin console
        'GET /ms-auth-server/admin/activity',
        'GET /ms-auth-server/admin/activity/last-token',
      ].sort(),
    );
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });

    const create = doc.paths['/ms-auth-server/admin/clients'].post;
    expect(create.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(create.responses).sort()).toEqual(['201', '400', '401', '403', '409']);
    expect(create.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateClientDto' });
    const schema = doc.components.schemas.CreateClientDto;
    expect(schema.required).toEqual(['scope']);
    expect(Object.keys(schema.properties).sort()).toEqual(
      [
        'access_token_ttl',
        'audience',
        'client_id',
        'client_name',
        'client_secret',
        'grant_types',
        'introspect_any_token',
        'scope',
        'token_endpoint_auth_method',
        'jwks',
        'jwks_uri',
        'federated_credentials',
        'token_claims',
        'token_exchange',
        'token_hook',
        // Sender-constrained tokens (RFC 9449 §5.2, RFC 8705 §2.1.2 and §3.4)
        'dpop_bound_access_tokens',
        'tls_client_certificate_bound_access_tokens',
        'tls_client_auth_subject_dn',
        'tls_client_auth_san_dns',
        'tls_client_auth_san_uri',
        'tls_client_auth_san_ip',
        'tls_client_auth_san_email',
      ].sort(),
    );
    const list = doc.paths['/ms-auth-server/admin/clients'].get;
    expect(list.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual(['query:cursor', 'query:limit']);
    expect(doc.components.schemas.ClientResponseDto.properties).not.toHaveProperty('client_secret');
    expect(doc.components.schemas.UpdateClientDto.properties).toHaveProperty('enabled');
  });

  it('serves Swagger UI as an HTML page with working static assets', async () => {
    const page = await fetch(`${t.baseUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<title>ms-auth-server admin API</title>');

    // The page's relative asset URLs, resolved as a browser would.
    const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => new URL(m[1], `${t.baseUrl}/docs`).toString());
    expect(assets.map((a) => a.replace(t.baseUrl, ''))).toEqual(
      expect.arrayContaining([
        '/docs/swagger-ui.css',
        '/docs/swagger-ui-bundle.js',
        '/docs/swagger-ui-standalone-preset.js',
        '/docs/swagger-ui-init.js',
      ]),
    );
    for (const url of assets) {
      const res = await fetch(url);
      expect([url, res.status]).toEqual([url, 200]);
      expect(res.headers.get('content-type')).toMatch(url.endsWith('.css') ? /^text\/css/ : /javascript/);
      const text = await res.text();
      if (url.endsWith('swagger-ui-init.js')) expect(text).toContain('/ms-auth-server/admin/clients');
      else expect(text.length).toBeGreaterThan(1000);
    }
  });

  it('follows BASE_PATH', async () => {
    const other = await startTestApp({ BASE_PATH: '/auth' });
    try {
      const doc = (await (await fetch(`${other.origin}/auth/docs/openapi.json`)).json()) as any;
      expect(Object.keys(doc.paths)).toContain('/auth/admin/clients');
      for (const path of ['/auth/docs', '/auth/docs/swagger-ui-bundle.js']) {
        const res = await fetch(`${other.origin}${path}`);
        // Read the body: an unread response keeps its connection busy, and close() waits for it.
        expect([path, res.status, (await res.text()).length > 100]).toEqual([path, 200, true]);
      }
    } finally {
      await other.close();
    }
  });
});
