import { freePort } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from './support/database';
import { type ServerProcess, startServerProcess } from './support/server-process';
import { basic, postForm } from './support/test-app';

interface OtlpSpan {
  name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

/** Needs the built server: `npx nest build` (npm test builds first). */
describe('OpenTelemetry tracing (OTLP over HTTP, JSON)', () => {
  let collector: Server;
  let received: { path: string; spans: OtlpSpan[] }[] = [];
  let db: TestDatabase;
  let proc: ServerProcess | undefined;
  const kek = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    db = await createTestDatabase();
    // A minimal OTLP/HTTP collector: records the spans of every export request.
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const doc = JSON.parse(body || '{}') as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
        const spans = (doc.resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []));
        received.push({ path: req.url ?? '', spans });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  });

  /** The built server on this suite's database and a free port, with `env` on top; the previous one is stopped. */
  async function startServer(env: Record<string, string> = {}): Promise<{ server: ServerProcess; port: number }> {
    await proc?.stop();
    const port = await freePort();
    const server = await startServerProcess({
      DATABASE_URL: db.url,
      KEY_ENCRYPTION_KEYS: kek,
      PORT: String(port),
      LOG_FORMAT: 'json',
      ...env,
    });
    proc = server;
    return { server, port };
  }

  afterAll(async () => {
    await proc?.stop();
    await new Promise((r) => collector.close(r));
    await db.drop();
  });

  it('exports spans for the HTTP request, its Fastify route and its PostgreSQL queries when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    received = [];
    const { server, port } = await startServer({
      SECRET_HASH_LOG_N: '12',
      SEED_PLAYGROUND_CLIENT: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_SERVICE_NAME: 'auth-under-test',
    });
    expect(server.output()).toContain(`"tracing":"OTLP http://127.0.0.1:`);
    const res = await postForm(
      `http://127.0.0.1:${port}/ms-auth-server/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic('service-client-jwt', 'service-client-jwt-secret') },
    );
    expect(res.status).toBe(200);

    const start = Date.now();
    const names = (): string[] => received.flatMap((r) => r.spans.map((s) => s.name));
    while (!(names().some((n) => /^POST/.test(n)) && names().some((n) => /^pg\./.test(n) || /SELECT/.test(n)))) {
      if (Date.now() - start > 15_000) throw new Error(`spans not exported in time: ${JSON.stringify(names())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const waitForSpan = async (name: string): Promise<void> => {
      while (!names().includes(name)) {
        if (Date.now() - start > 15_000) throw new Error(`span ${name} not exported in time: ${JSON.stringify(names())}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    expect(received.every((r) => r.path === '/v1/traces')).toBe(true);
    const http = received.flatMap((r) => r.spans).find((s) => s.name === 'POST /ms-auth-server/oauth2/token')!;
    // Never the query string or a header value.
    expect(http.attributes?.map((a) => a.key)).not.toContain('url.query');
    const route = http.attributes?.find((a) => a.key === 'http.route');
    expect(route?.value).toEqual({ stringValue: '/ms-auth-server/oauth2/token' });
    // Fastify's instrumentation (@fastify/otel) sees the instance Nest creates: a span for the route's handler.
    await waitForSpan('handler - TokenController.token');
    expect(JSON.stringify(received)).not.toContain('service-client-jwt-secret');
  });

  it('records no query string value in any span attribute: credentials sent in the query are refused, and must not be kept either', async () => {
    received = [];
    const { port } = await startServer({
      SECRET_HASH_LOG_N: '12',
      SEED_PLAYGROUND_CLIENT: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const secret = `query-secret-${randomBytes(8).toString('hex')}`;
    const res = await postForm(
      `http://127.0.0.1:${port}/ms-auth-server/oauth2/token?client_id=service-client-jwt&client_secret=${secret}&grant_type=client_credentials`,
      { grant_type: 'client_credentials' },
    );
    expect(res.status).toBe(400);

    const spans = (): OtlpSpan[] => received.flatMap((r) => r.spans);
    const has = (key: string) => (s: OtlpSpan) => (s.attributes ?? []).some((a) => a.key === key);
    const start = Date.now();
    // The HTTP server span (url.path and url.query) and Fastify's request span (url.path) are the two that saw the URL.
    while (!(spans().some(has('url.query')) && spans().filter(has('url.path')).length >= 2)) {
      if (Date.now() - start > 15_000) throw new Error(`spans not exported in time: ${JSON.stringify(spans().map((s) => s.name))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(JSON.stringify(received)).not.toContain(secret);
    const attribute = (key: string) => spans().flatMap((s) => (s.attributes ?? []).filter((a) => a.key === key).map((a) => a.value));
    expect(attribute('url.query')).toEqual([{ stringValue: 'client_id=REDACTED&client_secret=REDACTED&grant_type=REDACTED' }]);
    expect(attribute('url.path')).toContainEqual({ stringValue: '/ms-auth-server/oauth2/token' });
    for (const value of attribute('url.path')) expect(value.stringValue).not.toContain('?');
  });

  it('is off without an OTLP endpoint', async () => {
    const { server } = await startServer();
    expect(server.output()).toContain('"tracing":"off (set OTEL_EXPORTER_OTLP_ENDPOINT)"');
  });
});
