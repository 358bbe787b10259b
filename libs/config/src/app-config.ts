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
  abstract readonly revocation: RevocationConfig;
  abstract readonly metrics: MetricsConfig;
  abstract readonly shutdown: ShutdownConfig;
  abstract readonly assertions: AssertionConfig;
  // Sender-constrained tokens (DPoP, mTLS)
  abstract readonly senderConstraint: SenderConstraintConfig;
  // Token claims feature.
  abstract readonly claims: ClaimsConfig;
  /**
   * Create the quick start's playground client (well-known secret): by default only on the embedded database of
   * a server listening on loopback outside production; anywhere else SEED_PLAYGROUND_CLIENT=true must ask for it.
   */
  abstract readonly seedPlaygroundClient: boolean;
  /** Settings that are allowed but unsafe where they are used; the server logs each once at start. */
  abstract readonly warnings: readonly string[];
  // gitops: dynamic client registration
  abstract readonly registration: RegistrationConfig;
}

// gitops: dynamic client registration
/** Dynamic client registration (RFC 7591) and management (RFC 7592), and the policy a registered client must fit. */
export interface RegistrationConfig {
  /** {BASE}/oauth2/register exists (and is in the metadata) only when true. */
  readonly enabled: boolean;
  /** Anyone may register, without an initial access token (never in production). */
  readonly open: boolean;
  /** The scope an initial access token (a token of this server) must carry. */
  readonly scope: string;
  /** The audience an initial access token must be issued for (default {ISSUER}/oauth2/register). */
  readonly audience: string;
  readonly allowedAuthMethods: readonly string[];
  /** Scopes a registered client may ask for; empty: none. */
  readonly allowedScopes: readonly string[];
  /** Audiences (RFC 8707 resources) a registered client may ask for; empty: none. */
  readonly allowedAudiences: readonly string[];
  /** Seconds: the longest access-token lifetime a registered client gets. */
  readonly maxAccessTokenTtl: number;
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
  /** Slow-hash (scrypt) verifications per client id per minute from all sources, as burst and refill (429 beyond). */
  readonly slowPerMinute: number;
  /** Security warnings written per minute at most (the rest are counted and summarised). */
  readonly logPerMinute: number;
  /** IPv6 sources are counted per prefix of this many bits (one host usually holds a whole /64); IPv4 per address. */
  readonly ipv6Prefix: number;
}

/** RFC 7009 revocations, per instance: each new one is a row, a change-log entry and a revoked-set entry on every instance. */
export interface RevocationConfig {
  /** New revocations a client may make at once, and regains per minute (token bucket); beyond it 429. */
  readonly burst: number;
  readonly perMinute: number;
}

export interface LogConfig {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly format: 'json' | 'text';
}

export interface MetricsConfig {
  readonly enabled: boolean;
  /** Separate listener for Prometheus; undefined = none (development default: metrics under {BASE}/metrics). */
  readonly port: number | undefined;
  /** Address of that listener: loopback unless METRICS_HOST says otherwise (metrics have no authentication). */
  readonly host: string;
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

/** Token claims feature: what clients may add to their access tokens. */
export interface ClaimsConfig {
  /** Bytes of a client's token_claims as JSON (and of what a token hook adds). */
  readonly maxBytes: number;
  /** The token hook; undefined without TOKEN_HOOK_URL. */
  readonly hook: TokenHookConfig | undefined;
}

/** Token claims feature: a service asked before signing, for clients with token_hook: true. */
export interface TokenHookConfig {
  readonly url: string;
  /** HMAC-SHA256 key of the signature header the hook checks. */
  readonly secret: string;
  readonly timeoutMs: number;
  /** What a failed, timed-out or open-circuit hook means: refuse the token (503) or issue it without the hook. */
  readonly failure: 'deny' | 'allow';
  /** Consecutive failures that open the circuit, and how long it stays open before one trial call. */
  readonly breakerThreshold: number;
  readonly breakerOpenMs: number;
  /** In production, also reach a hook on a private (cluster) address; https still required. */
  readonly allowPrivateNetwork: boolean;
}

/** Sender-constrained tokens: DPoP (RFC 9449) and mutual TLS (RFC 8705). */
export interface SenderConstraintConfig {
  /** JWS algorithms accepted on DPoP proofs (asymmetric only, RFC 9449 §4.3). */
  readonly dpopSigningAlgs: readonly SigningAlg[];
  /** Seconds a DPoP proof is accepted after its `iat`. */
  readonly dpopMaxAgeSeconds: number;
  /** Seconds of clock difference tolerated on a proof's `iat` in the future. */
  readonly dpopClockSkewSeconds: number;
  /** RFC 9449 §8: every proof must carry a server nonce. */
  readonly dpopNonceRequired: boolean;
  /** Seconds one nonce window lasts; a nonce is accepted in its window and the next. */
  readonly dpopNonceWindowSeconds: number;
  /** PEM file of the CA(s) a tls_client_auth certificate must chain to; also turns on client certificate requests. */
  readonly mtlsClientCaFile: string | undefined;
  /** PEM contents of mtlsClientCaFile, read at start. */
  readonly mtlsClientCa: string | undefined;
  /** Request header a TLS-terminating proxy puts the client certificate in (URL-encoded PEM), lower-case. */
  readonly mtlsClientCertHeader: string | undefined;
  /** Server certificate and key: the server terminates TLS itself (https) when both are set. */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
  /** RFC 8705 §5: base URL of the mTLS host, when it differs from the issuer; published as mtls_endpoint_aliases. */
  readonly mtlsEndpointBase: string | undefined;
}

export type RawEnv = Record<string, string | undefined>;

/** scrypt cost (log2 N) by default; production refuses less. */
const DEFAULT_SCRYPT_LOG_N = 15;

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
  // Token claims feature.
  'TOKEN_HOOK_SECRET',
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

  /** Space- or comma-separated values. */
  list(name: string, fallback: string[]): string[] {
    const v = this.raw(name);
    return v === undefined ? fallback : [...new Set(v.split(/[\s,]+/).filter((x) => x !== ''))];
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

/** HOST values that only this machine can reach. */
function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/**
 * Why a supplied secret is too uniform to be one an operator generated, or undefined. Not a strength meter (a
 * random secret of 32 or more characters has no such flaw): it catches placeholders such as 32 × "a" or a short
 * word repeated, which pass a length check. Fewer than 8 distinct characters in 32 happens by chance with
 * probability below 10^-20 for a random base64url secret.
 */
function lowVariety(secret: string): string | undefined {
  if (new Set(secret).size < 8) return 'has fewer than 8 distinct characters';
  if (/^(.+?)\1+$/s.test(secret)) return 'repeats a shorter string';
  return undefined;
}

/**
 * Whether a postgres:// URL asks node-postgres for TLS (`ssl=true|1`, or any `sslmode` but `disable`), or talks to
 * this machine, where TLS protects nothing.
 */
function tlsOrLocal(databaseUrl: string): boolean {
  if (!URL.canParse(databaseUrl)) return true; // reported as a problem elsewhere
  const u = new URL(databaseUrl);
  const mode = u.searchParams.get('sslmode');
  const ssl = u.searchParams.get('ssl');
  if ((mode !== null && mode !== 'disable') || ssl === 'true' || ssl === '1') return true;
  // No host, or a socket path in ?host=: a Unix socket.
  const host = u.searchParams.get('host') ?? u.hostname;
  return host === '' || host.startsWith('/') || isLoopbackHost(host);
}

// Sender-constrained tokens (DPoP, mTLS)
function parseSenderConstraint(r: Reader, readFile: (path: string) => string): SenderConstraintConfig {
  const algsRaw = r.raw('DPOP_SIGNING_ALG_VALUES');
  const dpopSigningAlgs = algsRaw === undefined ? (['ES256', 'RS256', 'PS256', 'EdDSA'] as SigningAlg[]) : [];
  for (const a of algsRaw?.split(',').map((x) => x.trim()) ?? []) {
    if ((SIGNING_ALGS as readonly string[]).includes(a)) dpopSigningAlgs.push(a as SigningAlg);
    else r.problems.push(`DPOP_SIGNING_ALG_VALUES entries must be among ${SIGNING_ALGS.join(', ')} (got "${a}")`);
  }
  const mtlsClientCaFile = r.raw('MTLS_CLIENT_CA_FILE');
  let mtlsClientCa: string | undefined;
  if (mtlsClientCaFile !== undefined) {
    try {
      mtlsClientCa = readFile(mtlsClientCaFile);
    } catch (err) {
      r.problems.push(`MTLS_CLIENT_CA_FILE: cannot read ${mtlsClientCaFile} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const header = r.raw('MTLS_CLIENT_CERT_HEADER')?.toLowerCase();
  if (header !== undefined && !/^[a-z0-9-]+$/.test(header)) r.problems.push('MTLS_CLIENT_CERT_HEADER must be an HTTP header name');
  const tlsCertFile = r.raw('TLS_CERT_FILE');
  const tlsKeyFile = r.raw('TLS_KEY_FILE');
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) r.problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  // Read at start by the HTTPS listener: an unreadable file is a configuration error (exit 78), not a crash.
  for (const [name, path] of [
    ['TLS_CERT_FILE', tlsCertFile],
    ['TLS_KEY_FILE', tlsKeyFile],
  ] as const) {
    if (path === undefined) continue;
    try {
      readFile(path);
    } catch (err) {
      r.problems.push(`${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const mtlsEndpointBase = r.raw('MTLS_ENDPOINT_BASE')?.replace(/\/+$/, '');
  if (mtlsEndpointBase !== undefined && !/^https:\/\/[^?#]+$/.test(mtlsEndpointBase)) {
    r.problems.push('MTLS_ENDPOINT_BASE must be an https URL without query or fragment (RFC 8705 §5)');
  }
  return {
    dpopSigningAlgs,
    dpopMaxAgeSeconds: r.int('DPOP_MAX_AGE', 300, 1, 3600),
    dpopClockSkewSeconds: r.int('DPOP_CLOCK_SKEW', 5, 0, 300),
    dpopNonceRequired: r.bool('DPOP_NONCE_REQUIRED', false),
    dpopNonceWindowSeconds: r.int('DPOP_NONCE_WINDOW', 300, 10, 86400),
    mtlsClientCaFile,
    mtlsClientCa,
    mtlsClientCertHeader: header,
    tlsCertFile,
    tlsKeyFile,
    mtlsEndpointBase,
  };
}

export function parseConfig(env: RawEnv, options: ParseOptions = {}): AppConfig {
  const { readFile = (path: string) => readFileSync(path, 'utf8'), rules = [] } = options;
  const r = new Reader(env, readFile);
  const warnings: string[] = [];
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
  // RFC 3986 unreserved only, like any supplied client secret: curl -u and common client libraries send Basic
  // credentials without form-encoding, so `+`, `%`, `:` or a space would work from some clients and not others.
  if (adminClientSecret !== undefined && !/^[A-Za-z0-9._~-]*$/.test(adminClientSecret)) {
    r.problems.push('ADMIN_CLIENT_SECRET may only use the characters A-Z a-z 0-9 - . _ ~ (e.g. openssl rand -hex 32)');
  }
  // Its grammar (one RFC 6749 §3.3 scope-token) is checked by a rule of @app/clients: see ConfigRule.
  const adminScope = r.str('ADMIN_SCOPE', 'admin');

  // Only when unset: malformed entries are reported on their own above.
  if (databaseUrl !== undefined && r.raw('KEY_ENCRYPTION_KEYS') === undefined) {
    r.problems.push('KEY_ENCRYPTION_KEYS is required when DATABASE_URL is set (instances sharing a database must share it)');
  }
  if (production) {
    const lowVarietyReason = adminClientSecret !== undefined && adminClientSecret.length >= 32 ? lowVariety(adminClientSecret) : undefined;
    if (lowVarietyReason) {
      r.problems.push(`ADMIN_CLIENT_SECRET ${lowVarietyReason}: use a generated secret in production (e.g. openssl rand -hex 32)`);
    }
    if (databaseUrl !== undefined && !tlsOrLocal(databaseUrl)) {
      warnings.push(
        'DATABASE_URL does not ask for TLS (add sslmode=verify-full, or sslmode=require): client rows, signing keys (sealed) and the admin audit cross the network in clear',
      );
    }
    if (databaseUrl === undefined) r.problems.push('DATABASE_URL is required in production (the embedded PostgreSQL is for development)');
    if (issuerRaw === undefined) r.problems.push('ISSUER is required in production');
    if (adminClientId === undefined) r.problems.push('ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET are required in production');
  }

  // The seed's playground client has a published secret: by default only where nobody else can reach it (the
  // embedded development database, a loopback listener); anything else must ask for it.
  const seedPlaygroundClient = r.bool('SEED_PLAYGROUND_CLIENT', databaseUrl === undefined && !production && isLoopbackHost(host));
  if (production && seedPlaygroundClient) {
    r.problems.push('SEED_PLAYGROUND_CLIENT must not be true in production (its secret is published in the quick start)');
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
  const metricsHost = r.str('METRICS_HOST', '127.0.0.1');
  // Production: only the separate listener (default 9464). Elsewhere {BASE}/metrics, plus the listener if asked.
  const metricsPortRaw = r.raw('METRICS_PORT');
  const metricsPort = metricsPortRaw === undefined && !production ? undefined : r.int('METRICS_PORT', 9464, 0, 65535);
  if (metricsEnabled && metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    r.problems.push('METRICS_PORT must differ from PORT (metrics are served on a listener of their own)');
  }

  // gitops: dynamic client registration
  const registrationMethods = r.list('REGISTRATION_ALLOWED_AUTH_METHODS', ['client_secret_basic', 'private_key_jwt']);
  for (const m of registrationMethods) {
    if (!['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt'].includes(m)) {
      r.problems.push(`REGISTRATION_ALLOWED_AUTH_METHODS: unknown method "${m}"`);
    }
  }
  const registrationOpen = r.bool('REGISTRATION_OPEN', false);
  if (production && registrationOpen) {
    r.problems.push('REGISTRATION_OPEN must not be true in production: anyone could register clients (use initial access tokens)');
  }
  const registration: RegistrationConfig = {
    enabled: r.bool('REGISTRATION_ENABLED', false),
    open: registrationOpen,
    scope: r.str('REGISTRATION_SCOPE', 'client.register'),
    audience: r.str('REGISTRATION_AUDIENCE', `${issuer}/oauth2/register`),
    allowedAuthMethods: registrationMethods,
    allowedScopes: r.list('REGISTRATION_ALLOWED_SCOPES', []),
    allowedAudiences: r.list('REGISTRATION_ALLOWED_AUDIENCES', []),
    maxAccessTokenTtl: r.int('REGISTRATION_MAX_ACCESS_TOKEN_TTL', Math.min(accessTokenTtl, maxAccessTokenTtl), 1, maxAccessTokenTtl),
  };
  const senderConstraint = parseSenderConstraint(r, readFile);

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
    secrets: { scryptLogN: r.int('SECRET_HASH_LOG_N', DEFAULT_SCRYPT_LOG_N, 10, 20) },
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
      slowPerMinute: r.int('THROTTLE_SLOW_PER_MINUTE', 10, 1, 1_000_000),
      logPerMinute: r.int('THROTTLE_LOG_PER_MINUTE', 120, 1, 1_000_000),
      ipv6Prefix: r.int('THROTTLE_IPV6_PREFIX', 64, 0, 128),
    },
    revocation: {
      burst: r.int('REVOCATION_BURST', 100, 1, 1_000_000),
      perMinute: r.int('REVOCATION_PER_MINUTE', 30, 1, 1_000_000),
    },
    log: {
      level: r.oneOf('LOG_LEVEL', ['error', 'warn', 'info', 'debug'] as const, 'info'),
      format: logFormat,
    },
    metrics: {
      enabled: metricsEnabled,
      port: metricsEnabled ? metricsPort : undefined,
      host: metricsHost,
      onPublicListener: metricsEnabled && !production,
      gcDuration: r.bool('METRICS_GC_DURATION', false),
    },
    shutdown: { drainMs: r.int('SHUTDOWN_DRAIN_MS', production ? 5000 : 0, 0, 60000) },
    seedPlaygroundClient,
    warnings,
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
    // Token claims feature.
    claims: {
      maxBytes: r.int('TOKEN_CLAIMS_MAX_BYTES', 2048, 2, 65536),
      hook: tokenHookConfig(r, production),
    },
    // gitops: dynamic client registration
    registration,
    senderConstraint,
  };

  // Sender-constrained tokens: a certificate header is believed only from TRUST_PROXY peers (see ClientCertificates).
  if (config.senderConstraint.mtlsClientCertHeader !== undefined) {
    if (config.http.trustProxy === false) {
      r.problems.push('MTLS_CLIENT_CERT_HEADER needs TRUST_PROXY: the addresses of the proxy that sets it');
    } else if (config.http.trustProxy === true && production) {
      r.problems.push('MTLS_CLIENT_CERT_HEADER with TRUST_PROXY=true lets any caller claim any certificate: list the proxy addresses');
    }
  }
  if (config.assertions.jwksMinCacheSeconds > config.assertions.jwksMaxCacheSeconds) {
    r.problems.push('JWKS_MIN_CACHE must not exceed JWKS_MAX_CACHE');
  }
  const { requestTimeoutMs, headersTimeoutMs } = config.http;
  if (requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs) {
    r.problems.push('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (Node.js refuses it)');
  }
  if (production) {
    if (config.http.trustProxy === true) {
      r.problems.push(
        'TRUST_PROXY=true is refused in production (every client could claim any source address and escape throttling): list the load balancers, e.g. TRUST_PROXY=10.0.0.5,10.0.1.0/24',
      );
    }
    if (config.secrets.scryptLogN < DEFAULT_SCRYPT_LOG_N) {
      r.problems.push(`SECRET_HASH_LOG_N must be at least ${DEFAULT_SCRYPT_LOG_N} (the default) in production`);
    }
    if (config.http.docsEnabled) {
      warnings.push(`DOCS_ENABLED=true in production: ${basePath}/docs describes the admin API to anyone who can reach this listener`);
    }
  }
  for (const rule of rules) r.problems.push(...rule(config));
  if (r.problems.length > 0) throw new ConfigValidationError(r.problems);
  return config;
}

/** Token claims feature: TOKEN_HOOK_* (only with TOKEN_HOOK_URL). */
function tokenHookConfig(r: Reader, production: boolean): TokenHookConfig | undefined {
  const url = r.raw('TOKEN_HOOK_URL');
  if (url === undefined) return undefined;
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  const schemes = production ? ['https:'] : ['https:', 'http:'];
  if (!parsed || !schemes.includes(parsed.protocol) || parsed.username || parsed.password || parsed.hash) {
    r.problems.push(`TOKEN_HOOK_URL must be an absolute ${production ? 'https' : 'http(s)'} URL without credentials or fragment`);
  }
  const secret = r.raw('TOKEN_HOOK_SECRET');
  if (secret === undefined || secret.length < 32) {
    r.problems.push('TOKEN_HOOK_SECRET must be set with TOKEN_HOOK_URL, at least 32 characters (the HMAC key the hook checks)');
  }
  return {
    url,
    secret: secret ?? '',
    timeoutMs: r.int('TOKEN_HOOK_TIMEOUT_MS', 200, 10, 10_000),
    failure: r.oneOf('TOKEN_HOOK_FAILURE', ['deny', 'allow'] as const, 'deny'),
    breakerThreshold: r.int('TOKEN_HOOK_BREAKER_THRESHOLD', 5, 1, 1000),
    breakerOpenMs: r.int('TOKEN_HOOK_BREAKER_OPEN_MS', 10_000, 100, 3_600_000),
    allowPrivateNetwork: r.bool('TOKEN_HOOK_ALLOW_PRIVATE_NETWORK', false),
  };
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
