import { ConfigValidationError, parseConfig, type RawEnv } from './app-config';

const KEK = Buffer.alloc(32, 7).toString('base64url');
const KEK2 = Buffer.alloc(32, 9).toString('base64url');

function problems(env: RawEnv): string[] {
  try {
    parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigValidationError) return e.problems;
    throw e;
  }
  return [];
}

const PRODUCTION: RawEnv = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://auth@db.internal:5432/auth',
  ISSUER: 'https://auth.example.com/ms-auth-server',
  KEY_ENCRYPTION_KEYS: KEK,
  ADMIN_CLIENT_ID: 'admin',
  ADMIN_CLIENT_SECRET: 'a'.repeat(40),
};

describe('parseConfig', () => {
  it('defaults to the seed: port 8085, /ms-auth-server, its issuer, 14400 s tokens, RS256, loopback', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      nodeEnv: 'development',
      production: false,
      port: 8085,
      basePath: '/ms-auth-server',
      issuer: 'http://localhost:8085/ms-auth-server',
      host: '127.0.0.1',
      seedPlaygroundClient: true,
    });
    expect(c.tokens).toEqual({ accessTokenTtl: 14400, maxAccessTokenTtl: 86400, scopeFormat: 'string', reuseSeconds: 0 });
    expect(c.keys.signingAlg).toBe('RS256');
    expect(c.keys.encryptionKeys).toEqual([]);
    expect(c.database).toMatchObject({ url: undefined, embedded: true });
    expect(c.database.embeddedPort).not.toBe(5432);
  });

  it('reads CHANGE_POLL_INTERVAL_MS into the database section (the change feed), 500 ms by default, 50 to 60000', () => {
    expect(parseConfig({}).database.changePollIntervalMs).toBe(500);
    expect(parseConfig({ CHANGE_POLL_INTERVAL_MS: '100' }).database.changePollIntervalMs).toBe(100);
    expect(problems({ CHANGE_POLL_INTERVAL_MS: '10' })).toEqual([expect.stringContaining('CHANGE_POLL_INTERVAL_MS')]);
    expect(problems({ CHANGE_POLL_INTERVAL_MS: 'often' })).toEqual([expect.stringContaining('CHANGE_POLL_INTERVAL_MS')]);
  });

  it('reads the client-assertion settings: documented defaults, client_secret_jwt off unless enabled', () => {
    expect(parseConfig({}).assertions).toEqual({
      maxLifetimeSeconds: 300,
      acceptTokenEndpointAud: false,
      clockSkewSeconds: 30,
      clientSecretJwtEnabled: false,
      jwksRefetchIntervalSeconds: 60,
      jwksMinCacheSeconds: 60,
      jwksMaxCacheSeconds: 86400,
      fetchTimeoutMs: 5000,
      fetchMaxBytes: 262144,
    });
    const c = parseConfig({
      ASSERTION_MAX_LIFETIME: '120',
      ASSERTION_ACCEPT_TOKEN_ENDPOINT_AUD: 'true',
      CLIENT_SECRET_JWT_ENABLED: 'yes',
      JWKS_REFETCH_INTERVAL: '5',
    });
    expect(c.assertions).toMatchObject({
      maxLifetimeSeconds: 120,
      acceptTokenEndpointAud: true,
      clientSecretJwtEnabled: true,
      jwksRefetchIntervalSeconds: 5,
    });
    expect(problems({ JWKS_MIN_CACHE: '600', JWKS_MAX_CACHE: '60' })).toEqual(['JWKS_MIN_CACHE must not exceed JWKS_MAX_CACHE']);
    expect(problems({ ASSERTION_MAX_LIFETIME: '0' })).toEqual(['ASSERTION_MAX_LIFETIME must be an integer between 1 and 86400 (got "0")']);
  });

  it('derives the default issuer from PORT and BASE_PATH', () => {
    expect(parseConfig({ PORT: '9000', BASE_PATH: '/auth' }).issuer).toBe('http://localhost:9000/auth');
    expect(parseConfig({ BASE_PATH: '/' })).toMatchObject({ basePath: '', issuer: 'http://localhost:8085' });
  });

  it('strips a trailing slash from ISSUER', () => {
    expect(parseConfig({ ISSUER: 'https://auth.example.com/x/' }).issuer).toBe('https://auth.example.com/x');
  });

  it('reads the documented variables', () => {
    const c = parseConfig({
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://u@h/db',
      KEY_ENCRYPTION_KEYS: `${KEK}, ${KEK2}`,
      ACCESS_TOKEN_TTL: '600',
      SIGNING_ALG: 'ES256',
      TOKEN_SCOPE_FORMAT: 'array',
    });
    expect(c.host).toBe('0.0.0.0');
    expect(c.database).toMatchObject({ url: 'postgresql://u@h/db', embedded: false });
    expect(c.keys.encryptionKeys).toEqual([Buffer.alloc(32, 7), Buffer.alloc(32, 9)]);
    expect(c.tokens).toMatchObject({ accessTokenTtl: 600, scopeFormat: 'array' });
    expect(c.keys.signingAlg).toBe('ES256');
  });

  it('reports every bad variable together', () => {
    const p = problems({
      PORT: 'abc',
      SIGNING_ALG: 'HS256',
      KEY_ENCRYPTION_KEYS: 'short',
      TOKEN_SCOPE_FORMAT: 'csv',
      ACCESS_TOKEN_TTL: '-5',
      BASE_PATH: 'no-leading-slash/',
      DATABASE_URL: 'mysql://x',
    });
    for (const name of [
      'PORT',
      'SIGNING_ALG',
      'KEY_ENCRYPTION_KEYS',
      'TOKEN_SCOPE_FORMAT',
      'ACCESS_TOKEN_TTL',
      'BASE_PATH',
      'DATABASE_URL',
    ]) {
      expect(p.filter((m) => m.startsWith(name))).toHaveLength(1);
    }
    expect(p).toHaveLength(7);
  });

  it('names every problem in the error message', () => {
    expect(() => parseConfig({ PORT: '70000', SIGNING_ALG: 'none' })).toThrow(/PORT[\s\S]*SIGNING_ALG/);
  });

  it('requires KEY_ENCRYPTION_KEYS with DATABASE_URL (instances sharing a database must share it)', () => {
    expect(problems({ DATABASE_URL: 'postgres://u@h/db' })).toEqual([expect.stringMatching(/^KEY_ENCRYPTION_KEYS is required/)]);
  });

  it('refuses an ACCESS_TOKEN_TTL above MAX_ACCESS_TOKEN_TTL', () => {
    expect(problems({ ACCESS_TOKEN_TTL: '7200', MAX_ACCESS_TOKEN_TTL: '3600' })).toEqual([
      'ACCESS_TOKEN_TTL must not exceed MAX_ACCESS_TOKEN_TTL',
    ]);
  });

  it('turns token reuse on with TOKEN_REUSE_SECONDS, refusing a window over half the token lifetime', () => {
    expect(parseConfig({ TOKEN_REUSE_SECONDS: '60' }).tokens.reuseSeconds).toBe(60);
    expect(parseConfig({ ACCESS_TOKEN_TTL: '600', TOKEN_REUSE_SECONDS: '300' }).tokens.reuseSeconds).toBe(300);
    expect(problems({ ACCESS_TOKEN_TTL: '600', TOKEN_REUSE_SECONDS: '301' })).toEqual([
      'TOKEN_REUSE_SECONDS must not exceed half of ACCESS_TOKEN_TTL',
    ]);
    expect(problems({ TOKEN_REUSE_SECONDS: 'soon' })).toEqual(['TOKEN_REUSE_SECONDS must be an integer between 0 and 86400 (got "soon")']);
  });

  it('refuses an admin id without secret and a short admin secret', () => {
    expect(problems({ ADMIN_CLIENT_ID: 'admin' })).toHaveLength(1);
    expect(problems({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: 'short' })).toEqual([
      'ADMIN_CLIENT_SECRET must be at least 32 characters',
    ]);
  });

  describe('playground client and admin token lifetime', () => {
    it('seeds the playground client on the embedded database only, unless SEED_PLAYGROUND_CLIENT says otherwise', () => {
      expect(parseConfig({}).seedPlaygroundClient).toBe(true);
      expect(parseConfig({ DATABASE_URL: 'postgres://u@h/db', KEY_ENCRYPTION_KEYS: KEK }).seedPlaygroundClient).toBe(false);
      expect(
        parseConfig({ DATABASE_URL: 'postgres://u@h/db', KEY_ENCRYPTION_KEYS: KEK, SEED_PLAYGROUND_CLIENT: 'true' }).seedPlaygroundClient,
      ).toBe(true);
      expect(parseConfig({ SEED_PLAYGROUND_CLIENT: 'false' }).seedPlaygroundClient).toBe(false);
      expect(problems({ SEED_PLAYGROUND_CLIENT: 'maybe' })).toEqual(['SEED_PLAYGROUND_CLIENT must be true or false (got "maybe")']);
    });

    it('refuses SEED_PLAYGROUND_CLIENT=true in production', () => {
      expect(problems({ ...PRODUCTION, SEED_PLAYGROUND_CLIENT: 'true' })).toEqual([
        expect.stringMatching(/^SEED_PLAYGROUND_CLIENT must not be true in production/),
      ]);
    });

    it('caps admin tokens at ADMIN_ACCESS_TOKEN_TTL, 900 s by default, 1..86400', () => {
      expect(parseConfig({}).admin.accessTokenTtl).toBe(900);
      expect(parseConfig({ ADMIN_ACCESS_TOKEN_TTL: '60' }).admin.accessTokenTtl).toBe(60);
      expect(problems({ ADMIN_ACCESS_TOKEN_TTL: '0' })).toEqual([
        'ADMIN_ACCESS_TOKEN_TTL must be an integer between 1 and 86400 (got "0")',
      ]);
    });
  });

  describe('production (NODE_ENV=production)', () => {
    it('starts with the required variables, seeds nothing, listens on all interfaces unless HOST says otherwise', () => {
      const c = parseConfig(PRODUCTION);
      expect(c).toMatchObject({ production: true, seedPlaygroundClient: false, host: '0.0.0.0' });
      expect(parseConfig({ ...PRODUCTION, HOST: '10.0.0.5' }).host).toBe('10.0.0.5');
    });

    it('refuses to start without DATABASE_URL, ISSUER and admin credentials, all reported at once', () => {
      const p = problems({ NODE_ENV: 'production' });
      expect(p).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^DATABASE_URL is required in production/),
          expect.stringMatching(/^ISSUER is required in production/),
          expect.stringMatching(/^ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET are required in production/),
        ]),
      );
    });

    it.each([
      ['DATABASE_URL', /^DATABASE_URL is required/],
      ['ISSUER', /^ISSUER is required/],
      ['KEY_ENCRYPTION_KEYS', /^KEY_ENCRYPTION_KEYS is required/],
    ])('refuses to start without %s', (name, message) => {
      expect(problems({ ...PRODUCTION, [name]: undefined })).toEqual([expect.stringMatching(message)]);
    });

    it('refuses an http issuer', () => {
      expect(problems({ ...PRODUCTION, ISSUER: 'http://auth.example.com' })).toEqual(['ISSUER must use https in production (RFC 8414 §2)']);
    });
  });

  it.each([
    ['a relative issuer', { ISSUER: 'auth.example.com' }],
    ['an issuer with a query', { ISSUER: 'https://auth.example.com/?x=1' }],
    ['an issuer with a fragment', { ISSUER: 'https://auth.example.com/#x' }],
    ['a non-http issuer', { ISSUER: 'ftp://auth.example.com' }],
  ])('refuses %s (RFC 8414 §2)', (_, env) => {
    expect(problems(env)).toHaveLength(1);
  });

  it('refuses KEY_ENCRYPTION_KEYS entries that are not 32 bytes of base64url, naming the entry', () => {
    const p = problems({ KEY_ENCRYPTION_KEYS: `${KEK},${Buffer.alloc(16).toString('base64url')},${KEK}!` });
    expect(p).toEqual([expect.stringMatching(/#2/), expect.stringMatching(/#3/)]);
  });

  describe('hostile traffic and HTTP hardening (issue 8 §1, §3)', () => {
    it('defaults: no proxy trusted, documented throttle limits, cache of 100,000 clients, timeouts, docs on outside production', () => {
      const c = parseConfig({});
      expect(c.http).toMatchObject({
        trustProxy: false,
        requestTimeoutMs: 30_000,
        headersTimeoutMs: 10_000,
        keepAliveTimeoutMs: 72_000,
        docsEnabled: true,
      });
      expect(c.clientCache.size).toBe(100_000);
      expect(c.throttle).toEqual({
        clientBurst: 10,
        clientPerMinute: 6,
        sourceBurst: 60,
        sourcePerMinute: 60,
        maxTracked: 50_000,
        hashQueue: 32,
        logPerMinute: 120,
      });
      expect(parseConfig(PRODUCTION).http.docsEnabled).toBe(false);
      expect(parseConfig({ ...PRODUCTION, DOCS_ENABLED: 'true' }).http.docsEnabled).toBe(true);
    });

    it('serves the admin console outside production, and in production only with CONSOLE_ENABLED=true', () => {
      expect(parseConfig({}).http.consoleEnabled).toBe(true);
      expect(parseConfig({ CONSOLE_ENABLED: 'false' }).http.consoleEnabled).toBe(false);
      expect(parseConfig(PRODUCTION).http.consoleEnabled).toBe(false);
      expect(parseConfig({ ...PRODUCTION, CONSOLE_ENABLED: 'true' }).http.consoleEnabled).toBe(true);
    });

    it('reads TRUST_PROXY as false, true, or a list of addresses and CIDR blocks', () => {
      expect(parseConfig({ TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
      expect(parseConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
      expect(parseConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,::1, 2001:db8::/32' }).http.trustProxy).toEqual([
        '10.0.0.0/8',
        '192.168.1.7',
        '::1',
        '2001:db8::/32',
      ]);
      for (const bad of ['10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/1', '::1/129']) {
        expect(problems({ TRUST_PROXY: bad })).toEqual([
          expect.stringContaining(`TRUST_PROXY must be true, false, or a comma-separated list`),
        ]);
      }
    });

    it('reads the THROTTLE_*, CLIENT_CACHE_SIZE and HTTP timeout variables, and refuses values out of range', () => {
      const c = parseConfig({
        THROTTLE_CLIENT_BURST: '5',
        THROTTLE_CLIENT_PER_MINUTE: '2',
        THROTTLE_SOURCE_BURST: '100',
        THROTTLE_SOURCE_PER_MINUTE: '120',
        THROTTLE_MAX_TRACKED: '1000',
        THROTTLE_HASH_QUEUE: '4',
        THROTTLE_LOG_PER_MINUTE: '10',
        CLIENT_CACHE_SIZE: '500',
        HTTP_REQUEST_TIMEOUT_MS: '20000',
        HTTP_HEADERS_TIMEOUT_MS: '5000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '61000',
      });
      expect(c.throttle).toEqual({
        clientBurst: 5,
        clientPerMinute: 2,
        sourceBurst: 100,
        sourcePerMinute: 120,
        maxTracked: 1000,
        hashQueue: 4,
        logPerMinute: 10,
      });
      expect(c.clientCache.size).toBe(500);
      expect(c.http).toMatchObject({ requestTimeoutMs: 20_000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 61_000 });
      const p = problems({ THROTTLE_CLIENT_BURST: '0', THROTTLE_HASH_QUEUE: 'many', CLIENT_CACHE_SIZE: '0', DOCS_ENABLED: 'maybe' });
      for (const name of ['THROTTLE_CLIENT_BURST', 'THROTTLE_HASH_QUEUE', 'CLIENT_CACHE_SIZE', 'DOCS_ENABLED']) {
        expect(p.some((m) => m.startsWith(name))).toBe(true);
      }
      expect(problems({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '10000' })).toEqual([
        'HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (Node.js refuses it)',
      ]);
    });
  });

  describe('secrets from files (*_FILE, the Docker secrets convention)', () => {
    const files: Record<string, string> = { '/run/secrets/kek': `${KEK}\n`, '/run/secrets/admin': `${'s'.repeat(40)}\n` };
    const read = (path: string): string => {
      if (!(path in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return files[path];
    };

    it('reads KEY_ENCRYPTION_KEYS_FILE and ADMIN_CLIENT_SECRET_FILE, trimmed, and remembers where the admin secret is', () => {
      const c = parseConfig(
        {
          DATABASE_URL: 'postgres://u@h/db',
          KEY_ENCRYPTION_KEYS_FILE: '/run/secrets/kek',
          ADMIN_CLIENT_ID: 'admin',
          ADMIN_CLIENT_SECRET_FILE: '/run/secrets/admin',
        },
        { readFile: read },
      );
      expect(c.keys.encryptionKeys).toEqual([Buffer.alloc(32, 7)]);
      expect(c.admin).toMatchObject({ clientId: 'admin', clientSecret: 's'.repeat(40), clientSecretFile: '/run/secrets/admin' });
    });

    it('puts DATABASE_PASSWORD(_FILE) into a DATABASE_URL that has no password', () => {
      files['/run/secrets/pg'] = 'p@ss/word\n';
      const c = parseConfig(
        { DATABASE_URL: 'postgres://auth@db:5432/auth', DATABASE_PASSWORD_FILE: '/run/secrets/pg', KEY_ENCRYPTION_KEYS: KEK },
        { readFile: read },
      );
      expect(c.database.url).toBe('postgres://auth:p%40ss%2Fword@db:5432/auth');
      expect(problems({ DATABASE_URL: 'postgres://auth:x@db/auth', DATABASE_PASSWORD: 'y', KEY_ENCRYPTION_KEYS: KEK })).toEqual([
        'DATABASE_PASSWORD is set but DATABASE_URL carries a password too: give it once',
      ]);
    });

    it('lets the variable itself win over its file', () => {
      const c = parseConfig({ KEY_ENCRYPTION_KEYS: KEK2, KEY_ENCRYPTION_KEYS_FILE: '/run/secrets/kek' }, { readFile: read });
      expect(c.keys.encryptionKeys).toEqual([Buffer.alloc(32, 9)]);
    });

    it('reports an unreadable file by variable and path, together with other problems', () => {
      expect(problems({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET_FILE: '/nope', PORT: 'x' })).toEqual(
        expect.arrayContaining(['ADMIN_CLIENT_SECRET_FILE: cannot read /nope (ENOENT)', expect.stringMatching(/^PORT/)]),
      );
    });
  });

  it('TRUST_PROXY takes true/false or the proxies’ addresses and CIDRs', () => {
    expect(parseConfig({}).http.trustProxy).toBe(false);
    expect(parseConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(parseConfig({ TRUST_PROXY: '172.28.0.0/16, 10.0.0.1' }).http.trustProxy).toEqual(['172.28.0.0/16', '10.0.0.1']);
    expect(problems({ TRUST_PROXY: 'everyone' })).toEqual([expect.stringMatching(/^TRUST_PROXY must be/)]);
  });

  describe('observability', () => {
    it('defaults: metrics on, under {BASE}/metrics in development with no separate listener; no drain delay', () => {
      const c = parseConfig({});
      expect(c.metrics).toEqual({ enabled: true, port: undefined, onPublicListener: true, gcDuration: false });
      expect(c.shutdown.drainMs).toBe(0);
      expect(c.log).toEqual({ level: 'info', format: 'text' });
    });

    it('production: metrics only on METRICS_PORT (default 9464), JSON logs, a 5 s drain delay', () => {
      const c = parseConfig(PRODUCTION);
      expect(c.metrics).toEqual({ enabled: true, port: 9464, onPublicListener: false, gcDuration: false });
      expect(c.log.format).toBe('json');
      expect(c.shutdown.drainMs).toBe(5000);
      expect(parseConfig({ ...PRODUCTION, METRICS_PORT: '9100', SHUTDOWN_DRAIN_MS: '0' })).toMatchObject({
        metrics: { port: 9100 },
        shutdown: { drainMs: 0 },
      });
    });

    it('METRICS_ENABLED=false switches every metrics surface off', () => {
      expect(parseConfig({ METRICS_ENABLED: 'false', METRICS_PORT: '9100' }).metrics).toEqual({
        enabled: false,
        port: undefined,
        onPublicListener: false,
        gcDuration: false,
      });
      expect(parseConfig({ ...PRODUCTION, METRICS_ENABLED: 'false' }).metrics.port).toBeUndefined();
    });

    it('refuses LOG_FORMAT=text in production, a METRICS_PORT equal to PORT, and bad values', () => {
      expect(problems({ ...PRODUCTION, LOG_FORMAT: 'text' })).toEqual([
        'LOG_FORMAT=text needs pino-pretty, a development dependency: use LOG_FORMAT=json in production',
      ]);
      expect(problems({ METRICS_PORT: '8085' })).toEqual([
        'METRICS_PORT must differ from PORT (metrics are served on a listener of their own)',
      ]);
      expect(problems({ METRICS_ENABLED: 'maybe', METRICS_PORT: '-1', SHUTDOWN_DRAIN_MS: '99999999' })).toHaveLength(3);
    });
  });
});
