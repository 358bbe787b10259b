import { isIP } from 'node:net';
import type {
  AdminConfig,
  AppConfig,
  AssertionConfig,
  ClaimsConfig,
  ClientCacheConfig,
  DatabaseConfig,
  HttpConfig,
  KeysConfig,
  LogConfig,
  MetricsConfig,
  RegistrationConfig,
  RevocationConfig,
  SecretsConfig,
  SenderConstraintConfig,
  ShutdownConfig,
  ThrottleConfig,
  TokenConfig,
} from './app-config';
import type { SettingsRead } from './read-settings';

/*
 * One function per section of AppConfig: each builds its typed section from the values the table read, and
 * derives what a row's default leaves unset. Rules across settings are in config-checks.ts.
 */

/** HOST values that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** AppConfig's top-level fields. */
type ServerSection = Pick<AppConfig, 'nodeEnv' | 'production' | 'host' | 'port' | 'basePath' | 'issuer' | 'seedPlaygroundClient'>;

function server({ values: v, production, given }: SettingsRead): ServerSection {
  return {
    nodeEnv: v.NODE_ENV,
    production,
    host: v.HOST,
    port: v.PORT,
    basePath: v.BASE_PATH,
    issuer: v.ISSUER ?? `http://localhost:${v.PORT}${v.BASE_PATH}`,
    // The playground client has a published secret: by default only where nobody else can reach it (the embedded
    // development database, a loopback listener); anything else must ask for it.
    seedPlaygroundClient: v.SEED_PLAYGROUND_CLIENT ?? (!given('DATABASE_URL') && !production && isLoopbackHost(v.HOST)),
  };
}

/** The password may come on its own (DATABASE_PASSWORD_FILE, e.g. a generated secret), for a URL without one. */
function withPassword(url: string | undefined, password: string | undefined): string | undefined {
  if (url === undefined || password === undefined || !URL.canParse(url)) return url;
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}

function database({ values: v }: SettingsRead): DatabaseConfig {
  const url = withPassword(v.DATABASE_URL, v.DATABASE_PASSWORD);
  return {
    url,
    embedded: url === undefined,
    dataDir: v.DATA_DIR,
    embeddedDir: v.EMBEDDED_PG_DIR ?? `${v.DATA_DIR}/postgres`,
    embeddedPort: v.EMBEDDED_PG_PORT,
    poolSize: v.DATABASE_POOL_SIZE,
    connectTimeoutMs: v.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS,
    changePollIntervalMs: v.CHANGE_POLL_INTERVAL_MS,
  };
}

function tokens({ values: v }: SettingsRead): TokenConfig {
  return {
    accessTokenTtl: v.ACCESS_TOKEN_TTL,
    maxAccessTokenTtl: v.MAX_ACCESS_TOKEN_TTL ?? Math.max(86400, v.ACCESS_TOKEN_TTL),
    scopeFormat: v.TOKEN_SCOPE_FORMAT,
    reuseSeconds: v.TOKEN_REUSE_SECONDS,
  };
}

function keys({ values: v }: SettingsRead): KeysConfig {
  return {
    signingAlg: v.SIGNING_ALG,
    encryptionKeys: v.KEY_ENCRYPTION_KEYS ?? [],
    rotationIntervalSeconds: v.KEY_ROTATION_INTERVAL,
    jwksMaxAgeSeconds: v.JWKS_MAX_AGE,
    retirementGraceSeconds: v.KEY_RETIREMENT_GRACE,
  };
}

function secrets({ values: v }: SettingsRead): SecretsConfig {
  return { scryptLogN: v.SECRET_HASH_LOG_N };
}

function clientCache({ values: v }: SettingsRead): ClientCacheConfig {
  return { ttlSeconds: v.CLIENT_CACHE_TTL, size: v.CLIENT_CACHE_SIZE };
}

function admin({ values: v, fromFile }: SettingsRead, issuer: string): AdminConfig {
  return {
    clientId: v.ADMIN_CLIENT_ID,
    clientSecret: v.ADMIN_CLIENT_SECRET,
    clientSecretFile: fromFile.get('ADMIN_CLIENT_SECRET'),
    scope: v.ADMIN_SCOPE,
    audience: v.ADMIN_AUDIENCE ?? `${issuer}/admin`,
    accessTokenTtl: v.ADMIN_ACCESS_TOKEN_TTL,
  };
}

function http({ values: v }: SettingsRead): HttpConfig {
  return {
    bodyLimitBytes: v.BODY_LIMIT,
    trustProxy: v.TRUST_PROXY,
    retryAfterSeconds: v.RETRY_AFTER,
    requestTimeoutMs: v.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: v.HTTP_HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: v.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    docsEnabled: v.DOCS_ENABLED,
    consoleEnabled: v.CONSOLE_ENABLED,
  };
}

function throttle({ values: v }: SettingsRead): ThrottleConfig {
  return {
    clientBurst: v.THROTTLE_CLIENT_BURST,
    clientPerMinute: v.THROTTLE_CLIENT_PER_MINUTE,
    sourceBurst: v.THROTTLE_SOURCE_BURST,
    sourcePerMinute: v.THROTTLE_SOURCE_PER_MINUTE,
    maxTracked: v.THROTTLE_MAX_TRACKED,
    hashQueue: v.THROTTLE_HASH_QUEUE,
    slowPerMinute: v.THROTTLE_SLOW_PER_MINUTE,
    logPerMinute: v.THROTTLE_LOG_PER_MINUTE,
    ipv6Prefix: v.THROTTLE_IPV6_PREFIX,
  };
}

function revocation({ values: v }: SettingsRead): RevocationConfig {
  return { burst: v.REVOCATION_BURST, perMinute: v.REVOCATION_PER_MINUTE };
}

function log({ values: v }: SettingsRead): LogConfig {
  return { level: v.LOG_LEVEL, format: v.LOG_FORMAT };
}

/** Production: only the separate listener (default 9464). Elsewhere {BASE}/metrics, plus the listener if asked. */
function metrics({ values: v, production }: SettingsRead): MetricsConfig {
  const enabled = v.METRICS_ENABLED;
  return {
    enabled,
    port: enabled ? v.METRICS_PORT : undefined,
    host: v.METRICS_HOST,
    onPublicListener: enabled && !production,
    gcDuration: v.METRICS_GC_DURATION,
  };
}

function shutdown({ values: v }: SettingsRead): ShutdownConfig {
  return { drainMs: v.SHUTDOWN_DRAIN_MS };
}

function assertions({ values: v }: SettingsRead): AssertionConfig {
  return {
    maxLifetimeSeconds: v.ASSERTION_MAX_LIFETIME,
    acceptTokenEndpointAud: v.ASSERTION_ACCEPT_TOKEN_ENDPOINT_AUD,
    clockSkewSeconds: v.ASSERTION_CLOCK_SKEW,
    clientSecretJwtEnabled: v.CLIENT_SECRET_JWT_ENABLED,
    jwksRefetchIntervalSeconds: v.JWKS_REFETCH_INTERVAL,
    jwksMinCacheSeconds: v.JWKS_MIN_CACHE,
    jwksMaxCacheSeconds: v.JWKS_MAX_CACHE,
    fetchTimeoutMs: v.JWKS_FETCH_TIMEOUT_MS,
    fetchMaxBytes: v.JWKS_FETCH_MAX_BYTES,
  };
}

function senderConstraint({ values: v }: SettingsRead): SenderConstraintConfig {
  return {
    dpopSigningAlgs: v.DPOP_SIGNING_ALG_VALUES,
    dpopMaxAgeSeconds: v.DPOP_MAX_AGE,
    dpopClockSkewSeconds: v.DPOP_CLOCK_SKEW,
    dpopNonceRequired: v.DPOP_NONCE_REQUIRED,
    dpopNonceWindowSeconds: v.DPOP_NONCE_WINDOW,
    mtlsClientCaFile: v.MTLS_CLIENT_CA_FILE?.path,
    mtlsClientCa: v.MTLS_CLIENT_CA_FILE?.text,
    mtlsClientCertHeader: v.MTLS_CLIENT_CERT_HEADER,
    tlsCertFile: v.TLS_CERT_FILE?.path,
    tlsKeyFile: v.TLS_KEY_FILE?.path,
    mtlsEndpointBase: v.MTLS_ENDPOINT_BASE,
  };
}

/** The token hook exists only with TOKEN_HOOK_URL. */
function claims({ values: v }: SettingsRead): ClaimsConfig {
  const url = v.TOKEN_HOOK_URL;
  return {
    maxBytes: v.TOKEN_CLAIMS_MAX_BYTES,
    hook:
      url === undefined
        ? undefined
        : {
            url,
            secret: v.TOKEN_HOOK_SECRET ?? '',
            timeoutMs: v.TOKEN_HOOK_TIMEOUT_MS,
            failure: v.TOKEN_HOOK_FAILURE,
            breakerThreshold: v.TOKEN_HOOK_BREAKER_THRESHOLD,
            breakerOpenMs: v.TOKEN_HOOK_BREAKER_OPEN_MS,
            allowPrivateNetwork: v.TOKEN_HOOK_ALLOW_PRIVATE_NETWORK,
          },
  };
}

function registration({ values: v }: SettingsRead, issuer: string, tokenConfig: TokenConfig): RegistrationConfig {
  return {
    enabled: v.REGISTRATION_ENABLED,
    open: v.REGISTRATION_OPEN,
    scope: v.REGISTRATION_SCOPE,
    audience: v.REGISTRATION_AUDIENCE ?? `${issuer}/oauth2/register`,
    allowedAuthMethods: v.REGISTRATION_ALLOWED_AUTH_METHODS,
    allowedScopes: v.REGISTRATION_ALLOWED_SCOPES,
    allowedAudiences: v.REGISTRATION_ALLOWED_AUDIENCES,
    maxAccessTokenTtl: v.REGISTRATION_MAX_ACCESS_TOKEN_TTL ?? Math.min(tokenConfig.accessTokenTtl, tokenConfig.maxAccessTokenTtl),
  };
}

/** Every section, built from what the table read; the warnings come after, from the rules that read them. */
export function buildSections(read: SettingsRead): Omit<AppConfig, 'warnings'> {
  const top = server(read);
  const tokenConfig = tokens(read);
  return {
    ...top,
    database: database(read),
    tokens: tokenConfig,
    keys: keys(read),
    secrets: secrets(read),
    clientCache: clientCache(read),
    admin: admin(read, top.issuer),
    http: http(read),
    throttle: throttle(read),
    revocation: revocation(read),
    log: log(read),
    metrics: metrics(read),
    shutdown: shutdown(read),
    assertions: assertions(read),
    senderConstraint: senderConstraint(read),
    claims: claims(read),
    registration: registration(read, top.issuer, tokenConfig),
  };
}
