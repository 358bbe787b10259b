import { readFileSync } from 'node:fs';
import { CROSS_CHECKS, START_WARNINGS } from './config-checks';
import { type RawEnv, readSettings } from './read-settings';
import { buildSections } from './sections';
import type { NodeEnv, ScopeFormat, SigningAlg } from './settings';

export type { RawEnv } from './read-settings';
export { SIGNING_ALGS, type NodeEnv, type ScopeFormat, type SigningAlg } from './settings';

/** AppConfig's top-level settings (the server's identity and listener), injectable alone as ServerConfig. */
export abstract class ServerConfig {
  abstract readonly nodeEnv: NodeEnv;
  abstract readonly production: boolean;
  abstract readonly host: string;
  abstract readonly port: number;
  /** '' or '/segment[/segment]' without trailing slash. */
  abstract readonly basePath: string;
  abstract readonly issuer: string;
  /**
   * Create the quick start's playground client (well-known secret): by default only on the embedded database of
   * a server listening on loopback outside production; anywhere else SEED_PLAYGROUND_CLIENT=true must ask for it.
   */
  abstract readonly seedPlaygroundClient: boolean;
}

/**
 * The whole validated configuration, injected as a typed object (token: AppConfig) where a class truly needs all
 * of it (the composition root, the metadata document); every other class takes only the sections it reads, each
 * injectable alone under its own class (ServerConfig, ThrottleConfig, KeysConfig, ...), so its spec builds just
 * those. Only this lib reads process.env: every variable is a row of the settings table (settings.ts).
 */
export abstract class AppConfig extends ServerConfig {
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
  abstract readonly senderConstraint: SenderConstraintConfig;
  abstract readonly claims: ClaimsConfig;
  abstract readonly registration: RegistrationConfig;
  /** Settings that are allowed but unsafe where they are used; the server logs each once at start. */
  abstract readonly warnings: readonly string[];
}

export abstract class DatabaseConfig {
  /** Undefined means: start the embedded PostgreSQL (the composition root then sets it, see withDatabase). */
  abstract readonly url: string | undefined;
  /** True when DATABASE_URL was unset and the project's own PostgreSQL serves the data. */
  abstract readonly embedded: boolean;
  /** Folder for local state of the embedded mode (database files, generated key-encryption key). */
  abstract readonly dataDir: string;
  abstract readonly embeddedDir: string;
  abstract readonly embeddedPort: number;
  abstract readonly poolSize: number;
  abstract readonly connectTimeoutMs: number;
  abstract readonly statementTimeoutMs: number;
  /** How often an instance reads the change feed (changes made by other instances sharing the database). */
  abstract readonly changePollIntervalMs: number;
}

export abstract class TokenConfig {
  abstract readonly accessTokenTtl: number;
  abstract readonly maxAccessTokenTtl: number;
  abstract readonly scopeFormat: ScopeFormat;
  /** Seconds an identical token request gets the same token back; 0 = off (see TokenReuseStore). */
  abstract readonly reuseSeconds: number;
}

export abstract class KeysConfig {
  abstract readonly signingAlg: SigningAlg;
  /** Raw 32-byte keys; the first encrypts, all decrypt. Empty only in embedded mode before the local key is loaded. */
  abstract readonly encryptionKeys: Buffer[];
  abstract readonly rotationIntervalSeconds: number;
  abstract readonly jwksMaxAgeSeconds: number;
  /** Extra seconds a retired key stays published after its last token expired (verifiers' clock leeway). */
  abstract readonly retirementGraceSeconds: number;
}

export abstract class SecretsConfig {
  /** scrypt cost as log2(N). */
  abstract readonly scryptLogN: number;
}

/** The per-instance cache of client rows and of secrets already verified against them. */
export abstract class ClientCacheConfig {
  /** Seconds a cached row answers before it is read again; 0 = no cache. */
  abstract readonly ttlSeconds: number;
  /** Most clients held (least recently used dropped first). */
  abstract readonly size: number;
}

export abstract class AdminConfig {
  abstract readonly clientId: string | undefined;
  abstract readonly clientSecret: string | undefined;
  /** Set when the secret came from ADMIN_CLIENT_SECRET_FILE (for the start-up summary; never the secret). */
  abstract readonly clientSecretFile: string | undefined;
  abstract readonly scope: string;
  abstract readonly audience: string;
  /** Seconds; caps the lifetime of every token carrying the admin audience. */
  abstract readonly accessTokenTtl: number;
}

/**
 * Which peers may set X-Forwarded-For: none (`false`), any (`true`, unsafe on a public port: every client can
 * claim any address), or the listed addresses and CIDR blocks.
 */
export type TrustProxy = boolean | readonly string[];

export abstract class HttpConfig {
  abstract readonly bodyLimitBytes: number;
  abstract readonly trustProxy: TrustProxy;
  abstract readonly retryAfterSeconds: number;
  /** Whole request (headers and body) must arrive within this time; 0 disables. */
  abstract readonly requestTimeoutMs: number;
  abstract readonly headersTimeoutMs: number;
  abstract readonly keepAliveTimeoutMs: number;
  /** OpenAPI document and UI under {BASE_PATH}/docs. */
  abstract readonly docsEnabled: boolean;
  /** The admin console (static files) under {BASE_PATH}/console. */
  abstract readonly consoleEnabled: boolean;
}

/** Throttling of failed client authentication, before any password hashing (token buckets, per instance). */
export abstract class ThrottleConfig {
  /** Failures allowed at once per (client id, source address), and refilled per minute. */
  abstract readonly clientBurst: number;
  abstract readonly clientPerMinute: number;
  /** Failures allowed at once per source address (any client id), and refilled per minute. */
  abstract readonly sourceBurst: number;
  abstract readonly sourcePerMinute: number;
  /** Most buckets kept per kind; the least recently used is dropped beyond it. */
  abstract readonly maxTracked: number;
  /** Verifications that may wait for a hashing slot per lane; beyond it the request is shed at once (429). */
  abstract readonly hashQueue: number;
  /** Slow-hash (scrypt) verifications per client id per minute from all sources, as burst and refill (429 beyond). */
  abstract readonly slowPerMinute: number;
  /** Security warnings written per minute at most (the rest are counted and summarised). */
  abstract readonly logPerMinute: number;
  /** IPv6 sources are counted per prefix of this many bits (one host usually holds a whole /64); IPv4 per address. */
  abstract readonly ipv6Prefix: number;
}

/** RFC 7009 revocations, per instance: each new one is a row, a change-log entry and a revoked-set entry on every instance. */
export abstract class RevocationConfig {
  /** New revocations a client may make at once, and regains per minute (token bucket); beyond it 429. */
  abstract readonly burst: number;
  abstract readonly perMinute: number;
}

export abstract class LogConfig {
  abstract readonly level: 'error' | 'warn' | 'info' | 'debug';
  abstract readonly format: 'json' | 'text';
}

export abstract class MetricsConfig {
  abstract readonly enabled: boolean;
  /** Separate listener for Prometheus; undefined = none (development default: metrics under {BASE}/metrics). */
  abstract readonly port: number | undefined;
  /** Address of that listener: loopback unless METRICS_HOST says otherwise (metrics have no authentication). */
  abstract readonly host: string;
  /** Also serve {BASE}/metrics on the public listener (development only: traffic counts are not for the public). */
  abstract readonly onPublicListener: boolean;
  /** prom-client's nodejs_gc_duration_seconds (off: its GC observer costs old-generation memory per collection). */
  abstract readonly gcDuration: boolean;
}

export abstract class ShutdownConfig {
  /** After SIGTERM, ready answers 503 this long before the listener stops accepting (load balancers drain). */
  abstract readonly drainMs: number;
}

/** Client authentication by JWT assertion (RFC 7523 §2.2) and workload identity federation. */
export abstract class AssertionConfig {
  /** Seconds: how far ahead a client's own assertion may expire (its `exp` minus now). */
  abstract readonly maxLifetimeSeconds: number;
  /** Also accept the token endpoint URL as `aud` (older clients); off: only the issuer identifier (rfc7523bis). */
  abstract readonly acceptTokenEndpointAud: boolean;
  /** Seconds of clock difference tolerated on `exp`, `nbf` and `iat`. */
  abstract readonly clockSkewSeconds: number;
  /** client_secret_jwt (HS256): the server keeps such secrets encrypted, not only hashed; off unless asked for. */
  abstract readonly clientSecretJwtEnabled: boolean;
  /** Seconds: an unknown `kid` refetches a jwks_uri at most this often. */
  abstract readonly jwksRefetchIntervalSeconds: number;
  /** Bounds on how long a fetched key set is used, whatever its Cache-Control says. */
  abstract readonly jwksMinCacheSeconds: number;
  abstract readonly jwksMaxCacheSeconds: number;
  abstract readonly fetchTimeoutMs: number;
  abstract readonly fetchMaxBytes: number;
}

/** Sender-constrained tokens: DPoP (RFC 9449) and mutual TLS (RFC 8705). */
export abstract class SenderConstraintConfig {
  /** JWS algorithms accepted on DPoP proofs (asymmetric only, RFC 9449 §4.3). */
  abstract readonly dpopSigningAlgs: readonly SigningAlg[];
  /** Seconds a DPoP proof is accepted after its `iat`. */
  abstract readonly dpopMaxAgeSeconds: number;
  /** Seconds of clock difference tolerated on a proof's `iat` in the future. */
  abstract readonly dpopClockSkewSeconds: number;
  /** RFC 9449 §8: every proof must carry a server nonce. */
  abstract readonly dpopNonceRequired: boolean;
  /** Seconds one nonce window lasts; a nonce is accepted in its window and the next. */
  abstract readonly dpopNonceWindowSeconds: number;
  /** PEM file of the CA(s) a tls_client_auth certificate must chain to; also turns on client certificate requests. */
  abstract readonly mtlsClientCaFile: string | undefined;
  /** PEM contents of mtlsClientCaFile, read at start. */
  abstract readonly mtlsClientCa: string | undefined;
  /** Request header a TLS-terminating proxy puts the client certificate in (URL-encoded PEM), lower-case. */
  abstract readonly mtlsClientCertHeader: string | undefined;
  /** Server certificate and key: the server terminates TLS itself (https) when both are set. */
  abstract readonly tlsCertFile: string | undefined;
  abstract readonly tlsKeyFile: string | undefined;
  /** RFC 8705 §5: base URL of the mTLS host, when it differs from the issuer; published as mtls_endpoint_aliases. */
  abstract readonly mtlsEndpointBase: string | undefined;
}

/** what clients may add to their access tokens. */
export abstract class ClaimsConfig {
  /** Bytes of a client's token_claims as JSON (and of what a token hook adds). */
  abstract readonly maxBytes: number;
  /** The token hook; undefined without TOKEN_HOOK_URL. */
  abstract readonly hook: TokenHookConfig | undefined;
}

/** a service asked before signing, for clients with token_hook: true. */
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

/** Dynamic client registration (RFC 7591) and management (RFC 7592), and the policy a registered client must fit. */
export abstract class RegistrationConfig {
  /** {BASE}/oauth2/register exists (and is in the metadata) only when true. */
  abstract readonly enabled: boolean;
  /** Anyone may register, without an initial access token (never in production). */
  abstract readonly open: boolean;
  /** The scope an initial access token (a token of this server) must carry. */
  abstract readonly scope: string;
  /** The audience an initial access token must be issued for (default {ISSUER}/oauth2/register). */
  abstract readonly audience: string;
  abstract readonly allowedAuthMethods: readonly string[];
  /** Scopes a registered client may ask for; empty: none. */
  abstract readonly allowedScopes: readonly string[];
  /** Audiences (RFC 8707 resources) a registered client may ask for; empty: none. */
  abstract readonly allowedAudiences: readonly string[];
  /** Seconds: the longest access-token lifetime a registered client gets. */
  abstract readonly maxAccessTokenTtl: number;
}

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
 * The validated configuration: every row of the settings table read (settings.ts), each section built from them
 * (sections.ts), then the rules across settings (config-checks.ts) and those of the libs above this one. Every
 * problem is reported at once, in one ConfigValidationError.
 */
export function parseConfig(env: RawEnv, options: ParseOptions = {}): AppConfig {
  const { readFile = (path: string) => readFileSync(path, 'utf8'), rules = [] } = options;
  const read = readSettings(env, readFile);
  const sections = buildSections(read);
  const warnings = START_WARNINGS.flatMap((w) => w.warning(sections) ?? []);
  const config: AppConfig = { ...sections, warnings };
  const problems = [
    ...read.problems,
    ...CROSS_CHECKS.flatMap((check) => check.problems(sections, read)),
    ...rules.flatMap((rule) => rule(config)),
  ];
  if (problems.length > 0) throw new ConfigValidationError(problems);
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
