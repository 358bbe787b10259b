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
  ADMIN_CLIENT_SECRET: 'vN3q-8xKp2Lr_7TzW0yBc4Hj6MdFs9Ae1Gu5',
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

  it('reads the token claims settings: 2 KB of static claims, no hook unless TOKEN_HOOK_URL, hook defaults as documented', () => {
    expect(parseConfig({}).claims).toEqual({ maxBytes: 2048, hook: undefined });
    const secret = 's'.repeat(32);
    expect(parseConfig({ TOKEN_HOOK_URL: 'http://127.0.0.1:9000/hook', TOKEN_HOOK_SECRET: secret }).claims.hook).toEqual({
      url: 'http://127.0.0.1:9000/hook',
      secret,
      timeoutMs: 200,
      failure: 'deny',
      breakerThreshold: 5,
      breakerOpenMs: 10000,
      allowPrivateNetwork: false,
    });
    expect(problems({ TOKEN_HOOK_URL: 'http://hook.internal/x', TOKEN_HOOK_SECRET: 'short' })).toEqual([
      'TOKEN_HOOK_SECRET must be set with TOKEN_HOOK_URL, at least 32 characters (the HMAC key the hook checks)',
    ]);
    // Production: the hook is reached over https only.
    expect(problems({ ...PRODUCTION, TOKEN_HOOK_URL: 'http://hook.internal/x', TOKEN_HOOK_SECRET: secret })).toEqual([
      'TOKEN_HOOK_URL must be an absolute https URL without credentials or fragment',
    ]);
    expect(problems({ TOKEN_HOOK_URL: 'http://h/x', TOKEN_HOOK_SECRET: secret, TOKEN_HOOK_FAILURE: 'maybe' })[0]).toMatch(
      /TOKEN_HOOK_FAILURE/,
    );
  });

  it('reads the sender-constrained token settings: DPoP defaults of RFC 9449, mTLS off until configured', () => {
    expect(parseConfig({}).senderConstraint).toEqual({
      dpopSigningAlgs: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      dpopMaxAgeSeconds: 300,
      dpopClockSkewSeconds: 5,
      dpopNonceRequired: false,
      dpopNonceWindowSeconds: 300,
      mtlsClientCaFile: undefined,
      mtlsClientCa: undefined,
      mtlsClientCertHeader: undefined,
      tlsCertFile: undefined,
      tlsKeyFile: undefined,
      mtlsEndpointBase: undefined,
    });
    const c = parseConfig(
      {
        DPOP_SIGNING_ALG_VALUES: 'EdDSA, ES256',
        MTLS_CLIENT_CA_FILE: '/ca.pem',
        MTLS_CLIENT_CERT_HEADER: 'X-Client-Cert',
        TRUST_PROXY: '10.0.0.0/8',
      },
      { readFile: (path) => `pem of ${path}` },
    );
    expect(c.senderConstraint).toMatchObject({
      dpopSigningAlgs: ['EdDSA', 'ES256'],
      mtlsClientCa: 'pem of /ca.pem',
      mtlsClientCertHeader: 'x-client-cert',
    });
  });

  it('refuses symmetric or unknown DPoP algorithms, half a TLS key pair, an unreadable CA file and a non-https mTLS alias', () => {
    expect(
      problems({
        DPOP_SIGNING_ALG_VALUES: 'HS256,none',
        TLS_CERT_FILE: '/cert.pem',
        MTLS_CLIENT_CA_FILE: '/missing.pem',
        MTLS_ENDPOINT_BASE: 'http://mtls.example.com',
      }),
    ).toEqual([
      expect.stringContaining('DPOP_SIGNING_ALG_VALUES entries must be among RS256, PS256, ES256, EdDSA (got "HS256")'),
      expect.stringContaining('(got "none")'),
      expect.stringContaining('MTLS_CLIENT_CA_FILE: cannot read /missing.pem'),
      expect.stringContaining('TLS_CERT_FILE: cannot read /cert.pem'),
      'MTLS_ENDPOINT_BASE must be an https URL without query or fragment (RFC 8705 §5)',
      // Rules across settings come after each setting's own problems.
      'TLS_CERT_FILE and TLS_KEY_FILE must be set together',
    ]);
  });

  it('believes a certificate header only with TRUST_PROXY set, and never from any peer in production', () => {
    expect(problems({ MTLS_CLIENT_CERT_HEADER: 'x-client-cert' })).toEqual([
      'MTLS_CLIENT_CERT_HEADER needs TRUST_PROXY: the addresses of the proxy that sets it',
    ]);
    expect(problems({ MTLS_CLIENT_CERT_HEADER: 'x-client-cert', TRUST_PROXY: '127.0.0.1' })).toEqual([]);
    expect(problems({ NODE_ENV: 'production', MTLS_CLIENT_CERT_HEADER: 'x-client-cert', TRUST_PROXY: 'true' })).toContain(
      'MTLS_CLIENT_CERT_HEADER with TRUST_PROXY=true lets any caller claim any certificate: list the proxy addresses',
    );
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

  it('refuses an admin id without secret, a short admin secret, and one that clients would send differently', () => {
    expect(problems({ ADMIN_CLIENT_ID: 'admin' })).toHaveLength(1);
    expect(problems({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: 'short' })).toEqual([
      'ADMIN_CLIENT_SECRET must be at least 32 characters',
    ]);
    expect(problems({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: 'a secret with spaces and a plus+sign 0123' })).toEqual([
      'ADMIN_CLIENT_SECRET may only use the characters A-Z a-z 0-9 - . _ ~ (e.g. openssl rand -hex 32)',
    ]);
  });

  describe('playground client and admin token lifetime', () => {
    it('seeds the playground client on the embedded database only, unless SEED_PLAYGROUND_CLIENT says otherwise', () => {
      expect(parseConfig({}).seedPlaygroundClient).toBe(true);
      for (const host of ['127.0.0.1', '::1', 'localhost', '127.0.0.2'])
        expect(parseConfig({ HOST: host }).seedPlaygroundClient).toBe(true);
      expect(parseConfig({ DATABASE_URL: 'postgres://u@h/db', KEY_ENCRYPTION_KEYS: KEK }).seedPlaygroundClient).toBe(false);
      expect(
        parseConfig({ DATABASE_URL: 'postgres://u@h/db', KEY_ENCRYPTION_KEYS: KEK, SEED_PLAYGROUND_CLIENT: 'true' }).seedPlaygroundClient,
      ).toBe(true);
      expect(parseConfig({ SEED_PLAYGROUND_CLIENT: 'false' }).seedPlaygroundClient).toBe(false);
      expect(problems({ SEED_PLAYGROUND_CLIENT: 'maybe' })).toEqual(['SEED_PLAYGROUND_CLIENT must be true or false (got "maybe")']);
    });

    it('does not seed the published secret by default on a server others can reach (HOST not loopback), only when asked', () => {
      for (const host of ['0.0.0.0', '::', '10.0.0.5']) {
        expect([host, parseConfig({ HOST: host }).seedPlaygroundClient]).toEqual([host, false]);
        expect([host, parseConfig({ HOST: host, SEED_PLAYGROUND_CLIENT: 'true' }).seedPlaygroundClient]).toEqual([host, true]);
      }
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

    it('refuses TRUST_PROXY=true (any client could pick its own address), an explicit list is accepted', () => {
      expect(problems({ ...PRODUCTION, TRUST_PROXY: 'true' })).toEqual([
        expect.stringMatching(/^TRUST_PROXY=true is refused in production/),
      ]);
      expect(parseConfig({ ...PRODUCTION, TRUST_PROXY: '10.0.0.5,10.1.0.0/16' }).http.trustProxy).toEqual(['10.0.0.5', '10.1.0.0/16']);
      expect(parseConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    });

    it.each([
      ['32 × "a"', 'a'.repeat(32), 'has fewer than 8 distinct characters'],
      ['a placeholder word', 'changeme'.repeat(4), 'has fewer than 8 distinct characters'],
      ['a repeated 8-character string', 'abcdefgh'.repeat(4), 'repeats a shorter string'],
    ])('refuses an admin secret of low variety: %s', (_, secret, reason) => {
      expect(problems({ ...PRODUCTION, ADMIN_CLIENT_SECRET: secret })).toEqual([
        `ADMIN_CLIENT_SECRET ${reason}: use a generated secret in production (e.g. openssl rand -hex 32)`,
      ]);
      // Outside production the length rule alone applies (test and demo secrets).
      expect(problems({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: secret })).toEqual([]);
    });

    it('accepts generated admin secrets (base64url and hex of openssl rand) and still refuses one shorter than 32', () => {
      expect(problems({ ...PRODUCTION, ADMIN_CLIENT_SECRET: 'q1Vb7Ck0Zp9XwE2rTn4YhM8sJd6LfA3uGo5Ri-Ke_Hc' })).toEqual([]);
      expect(problems({ ...PRODUCTION, ADMIN_CLIENT_SECRET: '9f86d081884c7d659a2feaa0c55ad015' })).toEqual([]);
      expect(problems({ ...PRODUCTION, ADMIN_CLIENT_SECRET: 'x'.repeat(31) })).toEqual([
        'ADMIN_CLIENT_SECRET must be at least 32 characters',
      ]);
    });

    it('refuses a secret hash cost below the default (SECRET_HASH_LOG_N 15)', () => {
      expect(problems({ ...PRODUCTION, SECRET_HASH_LOG_N: '10' })).toEqual([
        'SECRET_HASH_LOG_N must be at least 15 (the default) in production',
      ]);
      expect(problems({ ...PRODUCTION, SECRET_HASH_LOG_N: '16' })).toEqual([]);
      expect(parseConfig({ SECRET_HASH_LOG_N: '10' }).secrets.scryptLogN).toBe(10);
    });

    it('warns, without refusing, for DOCS_ENABLED=true and a DATABASE_URL that does not ask for TLS', () => {
      const tls = 'postgres://auth@db.internal:5432/auth?sslmode=verify-full';
      expect(parseConfig({ ...PRODUCTION, DATABASE_URL: tls }).warnings).toEqual([]);
      expect(parseConfig({ ...PRODUCTION, DATABASE_URL: tls, DOCS_ENABLED: 'true' }).warnings).toEqual([
        'DOCS_ENABLED=true in production: /ms-auth-server/docs describes the admin API to anyone who can reach this listener',
      ]);
      expect(parseConfig(PRODUCTION).warnings).toEqual([expect.stringMatching(/^DATABASE_URL does not ask for TLS/)]);
      for (const url of [
        'postgres://auth@db.internal/auth?sslmode=require',
        'postgres://auth@db.internal/auth?ssl=true',
        'postgres://auth@127.0.0.1:5432/auth',
        'postgres://auth@localhost/auth',
        'postgres://auth@[::1]/auth',
        'postgres://auth@/auth?host=/var/run/postgresql',
      ]) {
        expect([url, parseConfig({ ...PRODUCTION, DATABASE_URL: url }).warnings]).toEqual([url, []]);
      }
      expect(parseConfig({ ...PRODUCTION, DATABASE_URL: 'postgres://auth@db.internal/auth?sslmode=disable' }).warnings).toHaveLength(1);
      expect(
        parseConfig({ DATABASE_URL: 'postgres://auth@db.internal/auth', KEY_ENCRYPTION_KEYS: KEK, DOCS_ENABLED: 'true' }).warnings,
      ).toEqual([]);
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

  describe('hostile traffic and HTTP hardening', () => {
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
        slowPerMinute: 10,
        logPerMinute: 120,
        ipv6Prefix: 64,
      });
      expect(c.revocation).toEqual({ burst: 100, perMinute: 30 });
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
        THROTTLE_SLOW_PER_MINUTE: '3',
        THROTTLE_LOG_PER_MINUTE: '10',
        THROTTLE_IPV6_PREFIX: '48',
        REVOCATION_BURST: '5',
        REVOCATION_PER_MINUTE: '1',
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
        slowPerMinute: 3,
        logPerMinute: 10,
        ipv6Prefix: 48,
      });
      expect(c.revocation).toEqual({ burst: 5, perMinute: 1 });
      expect(c.clientCache.size).toBe(500);
      expect(c.http).toMatchObject({ requestTimeoutMs: 20_000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 61_000 });
      const p = problems({
        THROTTLE_CLIENT_BURST: '0',
        THROTTLE_HASH_QUEUE: 'many',
        CLIENT_CACHE_SIZE: '0',
        DOCS_ENABLED: 'maybe',
        THROTTLE_IPV6_PREFIX: '129',
        REVOCATION_PER_MINUTE: '0',
      });
      for (const name of [
        'THROTTLE_CLIENT_BURST',
        'THROTTLE_HASH_QUEUE',
        'CLIENT_CACHE_SIZE',
        'DOCS_ENABLED',
        'THROTTLE_IPV6_PREFIX',
        'REVOCATION_PER_MINUTE',
      ]) {
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
      expect(c.metrics).toEqual({ enabled: true, port: undefined, host: '127.0.0.1', onPublicListener: true, gcDuration: false });
      expect(c.shutdown.drainMs).toBe(0);
      expect(c.log).toEqual({ level: 'info', format: 'text' });
    });

    it('production: metrics only on METRICS_PORT (default 9464), JSON logs, a 5 s drain delay', () => {
      const c = parseConfig(PRODUCTION);
      expect(c.metrics).toEqual({ enabled: true, port: 9464, host: '127.0.0.1', onPublicListener: false, gcDuration: false });
      // Metrics have no authentication: loopback unless METRICS_HOST opens them (the compose network does).
      expect(parseConfig({ ...PRODUCTION, METRICS_HOST: '0.0.0.0' }).metrics.host).toBe('0.0.0.0');
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
        host: '127.0.0.1',
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
