import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';

export type SigningAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
export const SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];
export type ScopeFormat = 'string' | 'array';
export type NodeEnv = 'development' | 'production' | 'test';

/**
 * The whole validated configuration, injected as a typed object (token: AppConfig).
 * Only this lib reads process.env.
 */
export abstract class AppConfig {
  abstract readonly nodeEnv: NodeEnv;
  abstract readonly production: boolean;
  abstract readonly host: string;
  abstract readonly port: number;
  /** '' or '/segment[/segment]' without trailing slash. */
  abstract readonly basePath: string;
  abstract readonly issuer: string;
  abstract readonly database: DatabaseConfig;
  abstract readonly tokens: TokenConfig;
  abstract readonly keys: KeysConfig;
  abstract readonly secrets: SecretsConfig;
  abstract readonly clientCache: ClientCacheConfig;
  abstract readonly admin: AdminConfig;
  abstract readonly http: HttpConfig;
  abstract readonly log: LogConfig;
  abstract readonly throttle: ThrottleConfig;
  abstract readonly metrics: MetricsConfig;
  abstract readonly shutdown: ShutdownConfig;
  abstract readonly assertions: AssertionConfig;
  /** Create the seed document's playground client (well-known secret): embedded database, or SEED_PLAYGROUND_CLIENT=true. */
  abstract readonly seedPlaygroundClient: boolean;
}

export interface DatabaseConfig {
  /** Undefined means: start the embedded PostgreSQL (the composition root then sets it, see withDatabase). */
  readonly url: string | undefined;
  /** True when DATABASE_URL was unset and the project's own PostgreSQL serves the data. */
  readonly embedded: boolean;
  /** Folder for local state of the embedded mode (database files, generated key-encryption key). */
  readonly dataDir: string;
  readonly embeddedDir: string;
  readonly embeddedPort: number;
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** How often an instance reads the change feed (changes made by other instances sharing the database). */
  readonly changePollIntervalMs: number;
}

export interface TokenConfig {
  readonly accessTokenTtl: number;
  readonly maxAccessTokenTtl: number;
  readonly scopeFormat: ScopeFormat;
  /** Seconds an identical token request gets the same token back; 0 = off (see TokenReuseStore). */
  readonly reuseSeconds: number;
}

export interface KeysConfig {
  readonly signingAlg: SigningAlg;
  /** Raw 32-byte keys; the first encrypts, all decrypt. Empty only in embedded mode before the local key is loaded. */
  readonly encryptionKeys: Buffer[];
  readonly rotationIntervalSeconds: number;
  readonly jwksMaxAgeSeconds: number;
  /** Extra seconds a retired key stays published after its last token expired (verifiers' clock leeway). */
  readonly retirementGraceSeconds: number;
}

export interface SecretsConfig {
  /** scrypt cost as log2(N). */
  readonly scryptLogN: number;
}

/** The per-instance cache of client rows and of secrets already verified against them. */
export interface ClientCacheConfig {
  /** Seconds a cached row answers before it is read again; 0 = no cache. */
  readonly ttlSeconds: number;
  /** Most clients held (least recently used dropped first). */
  readonly size: number;
}

export interface AdminConfig {
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  /** Set when the secret came from ADMIN_CLIENT_SECRET_FILE (for the start-up summary; never the secret). */
  readonly clientSecretFile: string | undefined;
  readonly scope: string;
  readonly audience: string;
  /** Seconds; caps the lifetime of every token carrying the admin audience. */
  readonly accessTokenTtl: number;
}

/**
 * Which peers may set X-Forwarded-For: none (`false`), any (`true`, unsafe on a public port: every client can
 * claim any address), or the listed addresses and CIDR blocks.
 */
export type TrustProxy = boolean | readonly string[];

export interface HttpConfig {
  readonly bodyLimitBytes: number;
  readonly trustProxy: TrustProxy;
  readonly retryAfterSeconds: number;
  /** Whole request (headers and body) must arrive within this time; 0 disables. */
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** OpenAPI document and UI under {BASE_PATH}/docs. */
  readonly docsEnabled: boolean;
  // console (issue 17)
  /** The admin console (static files) under {BASE_PATH}/console. */
  readonly consoleEnabled: boolean;
}

/** Throttling of failed client authentication, before any password hashing (token buckets, per instance). */
export interface ThrottleConfig {
  /** Failures allowed at once per (client id, source address), and refilled per minute. */
  readonly clientBurst: number;
  readonly clientPerMinute: number;
  /** Failures allowed at once per source address (any client id), and refilled per minute. */
  readonly sourceBurst: number;
  readonly sourcePerMinute: number;
  /** Most buckets kept per kind; the least recently used is dropped beyond it. */
  readonly maxTracked: number;
  /** Verifications that may wait for a hashing slot per lane; beyond it the request is shed at once (429). */
  readonly hashQueue: number;
  /** Security warnings written per minute at most (the rest are counted and summarised). */
  readonly logPerMinute: number;
}

export interface LogConfig {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly format: 'json' | 'text';
}

export interface MetricsConfig {
  readonly enabled: boolean;
  /** Separate listener for Prometheus; undefined = none (development default: metrics under {BASE}/metrics). */
  readonly port: number | undefined;
  /** Also serve {BASE}/metrics on the public listener (development only: traffic counts are not for the public). */
  readonly onPublicListener: boolean;
  /** prom-client's nodejs_gc_duration_seconds (off: its GC observer costs old-generation memory per collection). */
  readonly gcDuration: boolean;
}

export interface ShutdownConfig {
  /** After SIGTERM, ready answers 503 this long before the listener stops accepting (load balancers drain). */
  readonly drainMs: number;
}

/** Client authentication by JWT assertion (RFC 7523 §2.2) and workload identity federation. */
export interface AssertionConfig {
  /** Seconds: how far ahead a client's own assertion may expire (its `exp` minus now). */
  readonly maxLifetimeSeconds: number;
  /** Also accept the token endpoint URL as `aud` (older clients); off: only the issuer identifier (rfc7523bis). */
  readonly acceptTokenEndpointAud: boolean;
  /** Seconds of clock difference tolerated on `exp`, `nbf` and `iat`. */
  readonly clockSkewSeconds: number;
  /** client_secret_jwt (HS256): the server keeps such secrets encrypted, not only hashed; off unless asked for. */
  readonly clientSecretJwtEnabled: boolean;
  /** Seconds: an unknown `kid` refetches a jwks_uri at most this often. */
  readonly jwksRefetchIntervalSeconds: number;
  /** Bounds on how long a fetched key set is used, whatever its Cache-Control says. */
  readonly jwksMinCacheSeconds: number;
  readonly jwksMaxCacheSeconds: number;
  readonly fetchTimeoutMs: number;
  readonly fetchMaxBytes: number;
}

export type RawEnv = Record<string, string | undefined>;

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * A check owned by a lib above this one (libs depend on config, not the reverse): it reads the parsed
 * configuration and returns its problems, which parseConfig reports together with its own. The scope grammar of
 * ADMIN_SCOPE, for one, lives in @app/clients (CLIENT_CONFIG_RULES); the composition root passes it in.
 */
export type ConfigRule = (config: AppConfig) => string[];

export interface ParseOptions {
  /** Reads a `<NAME>_FILE` secret; the file system by default. */
  readFile?: (path: string) => string;
  rules?: readonly ConfigRule[];
}

/**
 * Secrets may also come from a file named by `<NAME>_FILE` (the Docker/Compose secrets convention); the
 * variable itself still wins when both are set.
 */
export const FILE_VARIABLES = [
  'DATABASE_URL',
  'DATABASE_PASSWORD',
  'KEY_ENCRYPTION_KEYS',
  'ADMIN_CLIENT_ID',
  'ADMIN_CLIENT_SECRET',
] as const;

class Reader {
  readonly problems: string[] = [];
  /** Variables whose value was read from their *_FILE, with the file's path. */
  readonly fromFile = new Map<string, string>();
  private readonly env: RawEnv;

  constructor(env: RawEnv, readFile: (path: string) => string) {
    this.env = { ...env };
    for (const name of FILE_VARIABLES) {
      const path = env[`${name}_FILE`]?.trim();
      if (!path || (env[name] ?? '').trim() !== '') continue;
      try {
        this.env[name] = readFile(path);
        this.fromFile.set(name, path);
      } catch (err) {
        this.problems.push(`${name}_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
    }
  }

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  str(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max} (got "${v}")`);
      return fallback;
    }
    return Number(v);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${v}")`);
      return fallback;
    }
    return v as T;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (['1', 'true', 'yes'].includes(v)) return true;
    if (['0', 'false', 'no'].includes(v)) return false;
    this.problems.push(`${name} must be true or false (got "${v}")`);
    return fallback;
  }
}

function parseTrustProxy(r: Reader): TrustProxy {
  const v = r.raw('TRUST_PROXY');
  if (v === undefined || ['false', '0', 'no'].includes(v.toLowerCase())) return false;
  if (['true', '1', 'yes'].includes(v.toLowerCase())) return true;
  const entries = v.split(',').map((e) => e.trim());
  for (const e of entries) {
    const [addr, bits, extra] = e.split('/');
    const family = isIP(addr);
    const max = family === 4 ? 32 : 128;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (family === 0 || !bitsOk || extra !== undefined) {
      r.problems.push(`TRUST_PROXY must be true, false, or a comma-separated list of IP addresses and CIDR blocks (bad entry "${e}")`);
    }
  }
  return entries;
}

function parseEncryptionKeys(r: Reader): Buffer[] {
  const v = r.raw('KEY_ENCRYPTION_KEYS');
  if (v === undefined) return [];
  const keys: Buffer[] = [];
  v.split(',').forEach((part, i) => {
    const s = part.trim();
    const buf = /^[A-Za-z0-9_-]+$/.test(s) ? Buffer.from(s, 'base64url') : Buffer.alloc(0);
    if (buf.length !== 32) {
      r.problems.push(`KEY_ENCRYPTION_KEYS entry #${i + 1} must be 32 bytes, base64url-encoded (43 characters)`);
    } else {
      keys.push(buf);
    }
  });
  return keys;
}

export function parseConfig(env: RawEnv, options: ParseOptions = {}): AppConfig {
  const { readFile = (path: string) => readFileSync(path, 'utf8'), rules = [] } = options;
  const r = new Reader(env, readFile);
  const nodeEnv = r.oneOf<NodeEnv>('NODE_ENV', ['development', 'production', 'test'], 'development');
  const production = nodeEnv === 'production';

  const port = r.int('PORT', 8085, 0, 65535);
  const host = r.str('HOST', production ? '0.0.0.0' : '127.0.0.1');

  let basePath = r.str('BASE_PATH', '/ms-auth-server');
  if (basePath === '/') basePath = '';
  if (basePath !== '' && !/^(\/[A-Za-z0-9._~-]+)+$/.test(basePath)) {
    r.problems.push(`BASE_PATH must look like /segment[/segment], without a trailing slash (got "${basePath}")`);
  }

  const issuerRaw = r.raw('ISSUER');
  const issuer = (issuerRaw ?? `http://localhost:${port}${basePath}`).replace(/\/+$/, '');
  // Only a given ISSUER is checked: the default is valid whenever PORT and BASE_PATH are, and their own
  // problems are reported once, under their names.
  if (issuerRaw !== undefined) {
    try {
      const u = new URL(issuer);
      if (!['http:', 'https:'].includes(u.protocol) || u.search || u.hash) {
        r.problems.push('ISSUER must be an http(s) URL without query or fragment (RFC 8414 §2)');
      }
      if (production && u.protocol !== 'https:') {
        r.problems.push('ISSUER must use https in production (RFC 8414 §2)');
      }
    } catch {
      r.problems.push(`ISSUER must be an absolute URL (got "${issuer}")`);
    }
  }

  let databaseUrl = r.raw('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    r.problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  // The password may come on its own (DATABASE_PASSWORD_FILE, e.g. a generated secret), for a URL without one.
  const databasePassword = r.raw('DATABASE_PASSWORD');
  if (databasePassword !== undefined) {
    if (databaseUrl === undefined) r.problems.push('DATABASE_PASSWORD needs DATABASE_URL');
    else if (URL.canParse(databaseUrl)) {
      const u = new URL(databaseUrl);
      if (u.password) r.problems.push('DATABASE_PASSWORD is set but DATABASE_URL carries a password too: give it once');
      u.password = encodeURIComponent(databasePassword);
      databaseUrl = u.toString();
    }
  }

  const accessTokenTtl = r.int('ACCESS_TOKEN_TTL', 14400, 1, 31_536_000);
  const maxAccessTokenTtl = r.int('MAX_ACCESS_TOKEN_TTL', Math.max(86400, accessTokenTtl), 1, 31_536_000);
  if (accessTokenTtl > maxAccessTokenTtl) {
    r.problems.push('ACCESS_TOKEN_TTL must not exceed MAX_ACCESS_TOKEN_TTL');
  }

  // Reuse is for clients that fetch a token per call; a window longer than half the lifetime would hand
  // out tokens with less than half their lifetime left, so such a setting is refused outright.
  const reuseSeconds = r.int('TOKEN_REUSE_SECONDS', 0, 0, 86400);
  if (reuseSeconds * 2 > accessTokenTtl) {
    r.problems.push('TOKEN_REUSE_SECONDS must not exceed half of ACCESS_TOKEN_TTL');
  }

  const encryptionKeys = parseEncryptionKeys(r);
  const adminClientId = r.raw('ADMIN_CLIENT_ID');
  const adminClientSecret = r.raw('ADMIN_CLIENT_SECRET');
  if ((adminClientId === undefined) !== (adminClientSecret === undefined)) {
    r.problems.push('ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together');
  }
  if (adminClientSecret !== undefined && adminClientSecret.length < 32) {
    r.problems.push('ADMIN_CLIENT_SECRET must be at least 32 characters');
  }
  // Its grammar (one RFC 6749 §3.3 scope-token) is checked by a rule of @app/clients: see ConfigRule.
  const adminScope = r.str('ADMIN_SCOPE', 'admin');

  // Only when unset: malformed entries are reported on their own above.
  if (databaseUrl !== undefined && r.raw('KEY_ENCRYPTION_KEYS') === undefined) {
    r.problems.push('KEY_ENCRYPTION_KEYS is required when DATABASE_URL is set (instances sharing a database must share it)');
  }
  if (production) {
    if (databaseUrl === undefined) r.problems.push('DATABASE_URL is required in production (the embedded PostgreSQL is for development)');
    if (issuerRaw === undefined) r.problems.push('ISSUER is required in production');
    if (adminClientId === undefined) r.problems.push('ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET are required in production');
  }

  // The seed's playground client has a published secret: only on the embedded (development) database unless asked for.
  const seedPlaygroundClient = r.bool('SEED_PLAYGROUND_CLIENT', databaseUrl === undefined && !production);
  if (production && seedPlaygroundClient) {
    r.problems.push('SEED_PLAYGROUND_CLIENT must not be true in production (its secret is published in the seed document)');
  }

  const jwksMaxAgeSeconds = r.int('JWKS_MAX_AGE', 600, 0, 86400);
  const rotationIntervalSeconds = r.int('KEY_ROTATION_INTERVAL', 0, 0, 31_536_000);
  if (rotationIntervalSeconds > 0 && rotationIntervalSeconds < 2 * jwksMaxAgeSeconds) {
    r.problems.push('KEY_ROTATION_INTERVAL must be 0 (off) or at least twice JWKS_MAX_AGE');
  }

  const logFormat = r.oneOf('LOG_FORMAT', ['json', 'text'] as const, production ? 'json' : 'text');
  if (production && logFormat === 'text') {
    r.problems.push('LOG_FORMAT=text needs pino-pretty, a development dependency: use LOG_FORMAT=json in production');
  }
  const metricsEnabled = r.bool('METRICS_ENABLED', true);
  // Production: only the separate listener (default 9464). Elsewhere {BASE}/metrics, plus the listener if asked.
  const metricsPortRaw = r.raw('METRICS_PORT');
  const metricsPort = metricsPortRaw === undefined && !production ? undefined : r.int('METRICS_PORT', 9464, 0, 65535);
  if (metricsEnabled && metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    r.problems.push('METRICS_PORT must differ from PORT (metrics are served on a listener of their own)');
  }

  const config: AppConfig = {
    nodeEnv,
    production,
    host,
    port,
    basePath,
    issuer,
    database: {
      url: databaseUrl,
      embedded: databaseUrl === undefined,
      dataDir: r.str('DATA_DIR', '.data'),
      embeddedDir: r.str('EMBEDDED_PG_DIR', `${r.str('DATA_DIR', '.data')}/postgres`),
      embeddedPort: r.int('EMBEDDED_PG_PORT', 54329, 0, 65535),
      poolSize: r.int('DATABASE_POOL_SIZE', 10, 1, 200),
      connectTimeoutMs: r.int('DATABASE_CONNECT_TIMEOUT_MS', 3000, 100, 60000),
      statementTimeoutMs: r.int('DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 600000),
      changePollIntervalMs: r.int('CHANGE_POLL_INTERVAL_MS', 500, 50, 60000),
    },
    tokens: {
      accessTokenTtl,
      maxAccessTokenTtl,
      scopeFormat: r.oneOf<ScopeFormat>('TOKEN_SCOPE_FORMAT', ['string', 'array'], 'string'),
      reuseSeconds,
    },
    keys: {
      signingAlg: r.oneOf<SigningAlg>('SIGNING_ALG', SIGNING_ALGS, 'RS256'),
      encryptionKeys,
      rotationIntervalSeconds,
      jwksMaxAgeSeconds,
      retirementGraceSeconds: r.int('KEY_RETIREMENT_GRACE', 60, 0, 86400),
    },
    secrets: { scryptLogN: r.int('SECRET_HASH_LOG_N', 15, 10, 20) },
    clientCache: {
      ttlSeconds: r.int('CLIENT_CACHE_TTL', 300, 0, 86400),
      size: r.int('CLIENT_CACHE_SIZE', 100_000, 1, 10_000_000),
    },
    admin: {
      clientId: adminClientId,
      clientSecret: adminClientSecret,
      clientSecretFile: r.fromFile.get('ADMIN_CLIENT_SECRET'),
      scope: adminScope,
      audience: r.str('ADMIN_AUDIENCE', `${issuer}/admin`),
      accessTokenTtl: r.int('ADMIN_ACCESS_TOKEN_TTL', 900, 1, 86400),
    },
    http: {
      bodyLimitBytes: r.int('BODY_LIMIT', 16384, 1024, 10_485_760),
      trustProxy: parseTrustProxy(r),
      retryAfterSeconds: r.int('RETRY_AFTER', 5, 1, 3600),
      requestTimeoutMs: r.int('HTTP_REQUEST_TIMEOUT_MS', 30_000, 0, 3_600_000),
      headersTimeoutMs: r.int('HTTP_HEADERS_TIMEOUT_MS', 10_000, 1000, 3_600_000),
      keepAliveTimeoutMs: r.int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 1000, 3_600_000),
      docsEnabled: r.bool('DOCS_ENABLED', !production),
      // console (issue 17)
      consoleEnabled: r.bool('CONSOLE_ENABLED', !production),
    },
    throttle: {
      clientBurst: r.int('THROTTLE_CLIENT_BURST', 10, 1, 1_000_000),
      clientPerMinute: r.int('THROTTLE_CLIENT_PER_MINUTE', 6, 1, 1_000_000),
      sourceBurst: r.int('THROTTLE_SOURCE_BURST', 60, 1, 1_000_000),
      sourcePerMinute: r.int('THROTTLE_SOURCE_PER_MINUTE', 60, 1, 1_000_000),
      maxTracked: r.int('THROTTLE_MAX_TRACKED', 50_000, 100, 10_000_000),
      hashQueue: r.int('THROTTLE_HASH_QUEUE', 32, 1, 10_000),
      logPerMinute: r.int('THROTTLE_LOG_PER_MINUTE', 120, 1, 1_000_000),
    },
    log: {
      level: r.oneOf('LOG_LEVEL', ['error', 'warn', 'info', 'debug'] as const, 'info'),
      format: logFormat,
    },
    metrics: {
      enabled: metricsEnabled,
      port: metricsEnabled ? metricsPort : undefined,
      onPublicListener: metricsEnabled && !production,
      gcDuration: r.bool('METRICS_GC_DURATION', false),
    },
    shutdown: { drainMs: r.int('SHUTDOWN_DRAIN_MS', production ? 5000 : 0, 0, 60000) },
    seedPlaygroundClient,
    assertions: {
      maxLifetimeSeconds: r.int('ASSERTION_MAX_LIFETIME', 300, 1, 86400),
      acceptTokenEndpointAud: r.bool('ASSERTION_ACCEPT_TOKEN_ENDPOINT_AUD', false),
      clockSkewSeconds: r.int('ASSERTION_CLOCK_SKEW', 30, 0, 300),
      clientSecretJwtEnabled: r.bool('CLIENT_SECRET_JWT_ENABLED', false),
      jwksRefetchIntervalSeconds: r.int('JWKS_REFETCH_INTERVAL', 60, 1, 86400),
      jwksMinCacheSeconds: r.int('JWKS_MIN_CACHE', 60, 0, 86400),
      jwksMaxCacheSeconds: r.int('JWKS_MAX_CACHE', 86400, 1, 604800),
      fetchTimeoutMs: r.int('JWKS_FETCH_TIMEOUT_MS', 5000, 100, 60000),
      fetchMaxBytes: r.int('JWKS_FETCH_MAX_BYTES', 262144, 1024, 10_485_760),
    },
  };

  if (config.assertions.jwksMinCacheSeconds > config.assertions.jwksMaxCacheSeconds) {
    r.problems.push('JWKS_MIN_CACHE must not exceed JWKS_MAX_CACHE');
  }
  const { requestTimeoutMs, headersTimeoutMs } = config.http;
  if (requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs) {
    r.problems.push('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (Node.js refuses it)');
  }
  for (const rule of rules) r.problems.push(...rule(config));
  if (r.problems.length > 0) throw new ConfigValidationError(r.problems);
  return config;
}

/** The process environment; the one place that reads it. */
export function processEnv(): RawEnv {
  return process.env;
}

/** The configuration with the embedded database's URL and key-encryption key filled in. */
export function withDatabase(config: AppConfig, url: string, encryptionKeys?: Buffer[]): AppConfig {
  return {
    ...config,
    database: { ...config.database, url },
    keys: { ...config.keys, encryptionKeys: config.keys.encryptionKeys.length ? config.keys.encryptionKeys : (encryptionKeys ?? []) },
  };
}
