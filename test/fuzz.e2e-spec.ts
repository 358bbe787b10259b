import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { adminApi, adminToken, requestToken } from './support/admin-api';
import { rawRequest, type RawResponse } from './support/raw-http';
import { ADMIN_ID, ADMIN_SECRET, startTestApp, type TestApp } from './support/test-app';

/** `npm run fuzz` raises it; `npm test` runs the default. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);

const GOOD_ID = 'fuzz-good';
const GOOD_SECRET = `good-${randomBytes(24).toString('base64url')}`;
const TARGET_ID = 'fuzz-target';
/** Secrets the fuzzer makes up carry this marker, so no response may contain it. */
const MARK = 'zQ9s';

const BASE = '/ms-auth-server';
const PUBLIC_PATHS = [
  `${BASE}/oauth2/token`,
  `${BASE}/oauth2/introspect`,
  `${BASE}/oauth2/revoke`,
  `${BASE}/oauth2/jwks`,
  `${BASE}/docs/openapi.json`,
  '/.well-known/oauth-authorization-server/ms-auth-server',
  '/.well-known/oauth-authorization-server',
];
const ADMIN_PATHS = [
  '/admin/clients',
  '/admin/clients/{id}',
  '/admin/clients/{id}/secret',
  '/admin/clients/{id}/revoke-tokens',
  '/admin/keys',
  '/admin/keys/rotate',
  '/admin/audit',
].map((p) => `${BASE}${p}`);

interface FuzzCase {
  from: string;
  method: string;
  target: string;
  headers: [string, Buffer][];
  body: Buffer | undefined;
  /** Secrets this case sent, which must not come back. */
  secrets: string[];
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');

/** Any string, in the shapes that reach a server: percent-encoded, raw latin1, or raw UTF-8. */
const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '%', '%00', '%ZZ', '\u0000', '..', '../..', 'null', '[]', '{}', 'client_credentials', 'admin'),
);

/** Header values: mostly printable, sometimes raw bytes (control characters, non-ASCII), which Node refuses. */
const headerText = fc.oneof({ weight: 6, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: anyText });

const madeUpSecret = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 4, maxLength: 40 }).map((h) => `${MARK}${h}`);

/** Client ids for admin paths: never the admin client or the client checked at the end. */
const pathId = fc
  .oneof(
    fc.constant(TARGET_ID),
    fc.stringMatching(/^[a-z0-9-]{1,20}$/),
    anyText.map((s) => encodeURIComponent(s)),
    fc.integer({ min: 1, max: 3000 }).map((n) => 'i'.repeat(n)),
    fc.constantFrom('%2F', '..%2F..', '%00', '%E0%A4%A', 'a%20b'),
  )
  .filter((id) => id !== GOOD_ID && id !== ADMIN_ID && decodeURIComponentSafe(id) !== GOOD_ID && decodeURIComponentSafe(id) !== ADMIN_ID);

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const path = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PUBLIC_PATHS) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...ADMIN_PATHS), pathId).map(([p, id]) => p.replace('{id}', id)) },
  {
    weight: 1,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.constantFrom('ms-auth-server', 'oauth2', 'admin', 'clients', '..', '.', '', '%2e%2e', '%00'),
          anyText.map(encodeURIComponent),
        ),
        {
          maxLength: 6,
        },
      )
      .map((segments) => `/${segments.join('/')}`),
  },
);

const paramName = fc.oneof(
  fc.constantFrom(
    'grant_type',
    'scope',
    'resource',
    'audience',
    'client_id',
    'client_secret',
    'token',
    'token_type_hint',
    'immediate',
    'limit',
    'cursor',
  ),
  anyText,
);
const paramValue = fc.oneof(fc.constantFrom('client_credentials', 'read', 'true', 'false', '1', '0', '-1', 'https://api.example'), anyText);
// Made-up secrets go only where secrets go: an error may quote a grant_type or scope it refuses, never a secret.
const secretParam = fc.tuple(fc.constantFrom('client_secret', 'client_assertion'), madeUpSecret);
const params = fc.array(fc.oneof({ weight: 4, arbitrary: fc.tuple(paramName, paramValue) }, { weight: 1, arbitrary: secretParam }), {
  maxLength: 5,
});
const encodedParams = params.map((list) => list.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&'));
/** Query strings also arrive raw: unencoded bytes, stray % and & signs. */
const query = fc.oneof(
  { weight: 3, arbitrary: encodedParams },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => s.replace(/[\s#]/g, '')) },
);

interface AuthHeaders {
  values: Buffer[];
  secrets: string[];
}

function authorization(token: string): fc.Arbitrary<AuthHeaders> {
  const none: AuthHeaders = { values: [], secrets: [] };
  const one = (s: string, secrets: string[] = []): AuthHeaders => ({ values: [latin1(s)], secrets });
  const basic = (id: string, secret: string) => `Basic ${b64(`${enc(id)}:${enc(secret)}`)}`;
  return fc.oneof<fc.MaybeWeightedArbitrary<AuthHeaders>[]>(
    fc.constant(none),
    fc.constant(one(basic(GOOD_ID, GOOD_SECRET))),
    fc.tuple(fc.oneof(fc.constant(GOOD_ID), fc.constant(ADMIN_ID), anyText), madeUpSecret).map(([id, s]) => one(basic(id, s), [s])),
    madeUpSecret.map((s) => one(`Basic ${b64(`${GOOD_ID}:${s}`)}`, [s])),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => one(`Basic ${b64(Buffer.from(bytes))}`)),
    headerText.map((s) => one(`Basic ${s}`)),
    fc.constantFrom('Basic', 'Basic ', 'basic Og==', 'Basic Og==', 'Basic ===', 'Digest x', 'Bearer', 'Bearer ', '').map((s) => one(s)),
    { weight: 5, arbitrary: fc.constant(one(`Bearer ${token}`)) },
    { weight: 2, arbitrary: fc.constant(one(basic(GOOD_ID, GOOD_SECRET))) },
    fc.integer({ min: 0, max: token.length - 1 }).map((cut) => one(`Bearer ${token.slice(0, cut)}x${token.slice(cut + 1)}`)),
    headerText.map((s) => one(`Bearer ${s}`)),
    // Huge, non-ASCII, control characters, duplicated.
    fc.integer({ min: 1000, max: 24_000 }).map((n) => one(`Basic ${'A'.repeat(n)}`)),
    fc.uint8Array({ minLength: 1, maxLength: 80 }).map((bytes) => ({
      values: [Buffer.concat([latin1('Basic '), Buffer.from(bytes.filter((b) => b !== 10 && b !== 13))])],
      secrets: [],
    })),
    fc.constantFrom('Basic \u0001\u0002', 'Bearer \u007f', 'Basic Zm9vOmJhcg==\u0000', 'Basic é', 'Bearer \tx').map((s) => one(s)),
    fc.tuple(madeUpSecret, madeUpSecret).map(([a, b]) => ({
      values: [latin1(basic(GOOD_ID, a)), latin1(basic(TARGET_ID, b))],
      secrets: [a, b],
    })),
  );
}

const contentType = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    'application/json',
    'application/x-www-form-urlencoded',
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'application/x-www-form-urlencoded; charset=utf-16',
    'APPLICATION/JSON',
    '*/*',
    '',
  ),
  headerText,
);

const body = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  { weight: 3, arbitrary: params.map((list) => latin1(list.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&'))) },
  { weight: 3, arbitrary: fc.json({ maxDepth: 4 }).map((j) => Buffer.from(j)) },
  {
    weight: 2,
    arbitrary: fc
      .record(
        {
          scope: fc.oneof(fc.constantFrom('a', 'a b', ''), anyText),
          client_name: anyText,
          grace_seconds: fc.integer(),
          enabled: fc.boolean(),
        },
        { requiredKeys: [] },
      )
      .map((o) => Buffer.from(JSON.stringify(o))),
  },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 20_000 }).map((d) => latin1(`${'['.repeat(d)}${']'.repeat(d)}`)) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 8_000 }).map((d) => latin1(`${'{"a":'.repeat(d)}1${'}'.repeat(d)}`)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('{"scope":"\udc00"}', '\u00ff\u00fe{', '{"a":1,"a":2}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}')
      .map(latin1),
  },
  // 2 MB, far over BODY_LIMIT.
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(2 * 1024 * 1024, 'a')) },
);

const method = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') },
  { weight: 1, arbitrary: fc.constantFrom('TRACE', 'FOO', 'get', 'POST /x', 'PROPFIND') },
);

/** Sources spread over 127.x.y.z so per-address throttling does not dominate the run. */
const source = fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 1, max: 254 })).map(([x, y]) => `127.${x}.${y}.7`);

function fuzzCase(token: string): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      from: source,
      method,
      path,
      query: fc.option(query, { nil: undefined }),
      auth: authorization(token),
      contentType,
      body,
      forwardedFor: fc.option(fc.oneof(fc.ipV4(), fc.ipV6(), headerText), { nil: undefined, freq: 2 }),
      extra: fc.option(fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), headerText), { nil: undefined, freq: 2 }),
    })
    .map((c) => {
      const headers: [string, Buffer][] = c.auth.values.map((v) => ['Authorization', v]);
      if (c.contentType !== undefined) headers.push(['Content-Type', latin1(c.contentType)]);
      if (c.forwardedFor !== undefined) headers.push(['X-Forwarded-For', latin1(c.forwardedFor)]);
      if (c.extra !== undefined) headers.push([c.extra[0], latin1(c.extra[1])]);
      return {
        from: c.from,
        method: c.method,
        target: c.query === undefined ? c.path : `${c.path}?${c.query}`,
        headers,
        body: c.body,
        secrets: c.auth.secrets,
      };
    });
}

function serialise(c: FuzzCase): Buffer {
  const lines = [`${c.method} ${c.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  const head = Buffer.concat([
    latin1(lines.join('\r\n') + '\r\n'),
    ...c.headers.map(([k, v]) => Buffer.concat([latin1(`${k}: `), v, latin1('\r\n')])),
    latin1(c.body === undefined ? '\r\n' : `Content-Length: ${c.body.length}\r\n\r\n`),
  ]);
  return c.body === undefined ? head : Buffer.concat([head, c.body]);
}

const STACK_OR_INTERNALS =
  /\n\s+at |\bat [\w.<>]+ \(|\.(ts|js):\d+|node_modules|\/work\/|QueryFailedError|EntityMetadata|TypeError|RangeError|ReferenceError|FST_ERR|ERR_[A-Z_]{4,}|statusCode|Internal server error/;
const ERROR_KEYS = new Set(['error', 'error_description', 'details']);

/** The invariants every endpoint must keep under any input; returns the broken ones. */
function problems(c: FuzzCase, res: RawResponse): string[] {
  const found: string[] = [];
  const text = res.body.toString('utf8');
  if (!(res.status >= 200 && res.status < 500)) found.push(`status ${res.status}`);
  if (STACK_OR_INTERNALS.test(text)) found.push(`internals in body: ${text.slice(0, 300)}`);
  for (const secret of [GOOD_SECRET, ADMIN_SECRET, ...c.secrets]) {
    if (text.includes(secret)) found.push(`secret echoed: ${secret}`);
  }
  if (text.includes(MARK)) found.push('a made-up secret came back');
  if ((res.status === 429 || res.status === 503) && !/^\d+$/.test(res.headers['retry-after'] ?? '')) found.push('no Retry-After');
  if (res.status >= 400 && c.method !== 'HEAD') {
    if (!/^application\/json/.test(res.headers['content-type'] ?? '')) found.push(`error not JSON: ${res.headers['content-type']}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      found.push(`error body is not JSON: ${text.slice(0, 200)}`);
    }
    const o = parsed as Record<string, unknown>;
    if (
      !o ||
      typeof o !== 'object' ||
      typeof o.error !== 'string' ||
      !/^[a-z_]+$/.test(o.error) ||
      typeof o.error_description !== 'string' ||
      !Object.keys(o).every((k) => ERROR_KEYS.has(k))
    ) {
      found.push(`not the documented error shape: ${text.slice(0, 300)}`);
    }
  }
  if (res.headers['x-content-type-options'] !== 'nosniff') found.push('no security headers');
  return found;
}

describe(`fuzzing every public and admin endpoint (${RUNS} cases)`, () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({ SECRET_HASH_LOG_N: '10', LOG_LEVEL: 'warn' });
    token = await adminToken(t);
    const api = adminApi(t, token);
    expect((await api.post('/admin/clients', { client_id: GOOD_ID, scope: 'read', client_secret: GOOD_SECRET })).status).toBe(201);
    expect((await api.post('/admin/clients', { client_id: TARGET_ID, scope: 'a b' })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it(
    'never answers 5xx, a stack trace, an internal message, a secret, or an undocumented error shape; good requests still work',
    async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(fuzzCase(token), async (c) => {
          const res = await rawRequest(t.port, c.from, serialise(c));
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const broken = problems(c, res);
          if (broken.length > 0) throw new Error(`${c.method} ${c.target.slice(0, 200)} -> ${res.status}: ${broken.join('; ')}`);
        }),
        { numRuns: RUNS, endOnFailure: RUNS > 5000 },
      );
      process.stdout.write(`fuzz: ${RUNS} cases, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
      // The run reached past authentication and validation, not only the front door.
      expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
      expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThan(5);

      // A good request still works after.
      const res = await requestToken(t, GOOD_ID, GOOD_SECRET);
      expect(res.status).toBe(200);
      const admin = adminApi(t, await adminToken(t));
      expect((await admin.get(`/admin/clients/${GOOD_ID}`)).status).toBe(200);
    },
    Math.max(600_000, RUNS * 200),
  );
});
