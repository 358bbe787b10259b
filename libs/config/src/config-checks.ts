import type { AppConfig } from './app-config';
import type { SettingsRead } from './read-settings';
import { isLoopbackHost } from './sections';

/**
 * A rule that involves more than one setting, checked after the sections are built (a rule about one setting is
 * its row's type or production rule, in settings.ts). `rule` is how the configuration reference states it.
 */
interface CrossCheck {
  readonly rule: string;
  problems(config: Omit<AppConfig, 'warnings'>, read: SettingsRead): string[];
}

const problemIf = (condition: boolean, problem: string): string[] => (condition ? [problem] : []);

const databasePasswordOnce: CrossCheck = {
  rule: '`DATABASE_PASSWORD` needs a `DATABASE_URL` without a password',
  problems: (_, { values: v, given }) => {
    if (v.DATABASE_PASSWORD === undefined) return [];
    if (!given('DATABASE_URL')) return ['DATABASE_PASSWORD needs DATABASE_URL'];
    const url = v.DATABASE_URL;
    return problemIf(
      url !== undefined && URL.canParse(url) && new URL(url).password !== '',
      'DATABASE_PASSWORD is set but DATABASE_URL carries a password too: give it once',
    );
  },
};

const tokenLifetimeCap: CrossCheck = {
  rule: '`ACCESS_TOKEN_TTL` at most `MAX_ACCESS_TOKEN_TTL`',
  problems: ({ tokens }) =>
    problemIf(tokens.accessTokenTtl > tokens.maxAccessTokenTtl, 'ACCESS_TOKEN_TTL must not exceed MAX_ACCESS_TOKEN_TTL'),
};

/**
 * Reuse is for clients that fetch a token per call; a window longer than half the lifetime would hand out tokens
 * with less than half their lifetime left, so such a setting is refused outright.
 */
const tokenReuseWindow: CrossCheck = {
  rule: '`TOKEN_REUSE_SECONDS` at most half of `ACCESS_TOKEN_TTL`',
  problems: ({ tokens }) =>
    problemIf(tokens.reuseSeconds * 2 > tokens.accessTokenTtl, 'TOKEN_REUSE_SECONDS must not exceed half of ACCESS_TOKEN_TTL'),
};

const adminCredentials: CrossCheck = {
  rule: '`ADMIN_CLIENT_ID` and `ADMIN_CLIENT_SECRET` together (both required in production)',
  problems: ({ production }, { given }) => [
    ...problemIf(given('ADMIN_CLIENT_ID') !== given('ADMIN_CLIENT_SECRET'), 'ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together'),
    ...problemIf(production && !given('ADMIN_CLIENT_ID'), 'ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET are required in production'),
  ],
};

/** Only when unset: malformed entries are reported by the row's type. */
const encryptionKeysWithDatabase: CrossCheck = {
  rule: '`KEY_ENCRYPTION_KEYS` required with `DATABASE_URL`',
  problems: (_, { given }) =>
    problemIf(
      given('DATABASE_URL') && !given('KEY_ENCRYPTION_KEYS'),
      'KEY_ENCRYPTION_KEYS is required when DATABASE_URL is set (instances sharing a database must share it)',
    ),
};

const rotationOutlivesJwksCache: CrossCheck = {
  rule: '`KEY_ROTATION_INTERVAL` `0` (off) or at least twice `JWKS_MAX_AGE`',
  problems: ({ keys }) =>
    problemIf(
      keys.rotationIntervalSeconds > 0 && keys.rotationIntervalSeconds < 2 * keys.jwksMaxAgeSeconds,
      'KEY_ROTATION_INTERVAL must be 0 (off) or at least twice JWKS_MAX_AGE',
    ),
};

const metricsListenerOfItsOwn: CrossCheck = {
  rule: '`METRICS_PORT` other than `PORT` (`0` aside)',
  problems: ({ metrics, port }) =>
    problemIf(
      metrics.port !== undefined && metrics.port !== 0 && metrics.port === port,
      'METRICS_PORT must differ from PORT (metrics are served on a listener of their own)',
    ),
};

const jwksCacheBounds: CrossCheck = {
  rule: '`JWKS_MIN_CACHE` at most `JWKS_MAX_CACHE`',
  problems: ({ assertions }) =>
    problemIf(assertions.jwksMinCacheSeconds > assertions.jwksMaxCacheSeconds, 'JWKS_MIN_CACHE must not exceed JWKS_MAX_CACHE'),
};

const headersBeforeRequestTimeout: CrossCheck = {
  rule: '`HTTP_HEADERS_TIMEOUT_MS` at most `HTTP_REQUEST_TIMEOUT_MS` (unless that is `0`)',
  problems: ({ http }) =>
    problemIf(
      http.requestTimeoutMs > 0 && http.headersTimeoutMs > http.requestTimeoutMs,
      'HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (Node.js refuses it)',
    ),
};

const tokenHookSecret: CrossCheck = {
  rule: '`TOKEN_HOOK_SECRET` of at least 32 characters with `TOKEN_HOOK_URL`',
  problems: (_, { given, values: v }) =>
    problemIf(
      given('TOKEN_HOOK_URL') && (v.TOKEN_HOOK_SECRET ?? '').length < 32,
      'TOKEN_HOOK_SECRET must be set with TOKEN_HOOK_URL, at least 32 characters (the HMAC key the hook checks)',
    ),
};

const tlsKeyPair: CrossCheck = {
  rule: '`TLS_CERT_FILE` and `TLS_KEY_FILE` together',
  problems: (_, { given }) =>
    problemIf(given('TLS_CERT_FILE') !== given('TLS_KEY_FILE'), 'TLS_CERT_FILE and TLS_KEY_FILE must be set together'),
};

/** A certificate header is believed only from TRUST_PROXY peers (see ClientCertificates). */
const certificateHeaderFromProxies: CrossCheck = {
  rule: '`MTLS_CLIENT_CERT_HEADER` only with `TRUST_PROXY` listing the proxies (not `true` in production)',
  problems: ({ http, production }, { given, refused }) => {
    if (!given('MTLS_CLIENT_CERT_HEADER') || refused('TRUST_PROXY')) return [];
    if (http.trustProxy === false) return ['MTLS_CLIENT_CERT_HEADER needs TRUST_PROXY: the addresses of the proxy that sets it'];
    return problemIf(
      http.trustProxy === true && production,
      'MTLS_CLIENT_CERT_HEADER with TRUST_PROXY=true lets any caller claim any certificate: list the proxy addresses',
    );
  },
};

const registeredClientLifetime: CrossCheck = {
  rule: '`REGISTRATION_MAX_ACCESS_TOKEN_TTL` at most `MAX_ACCESS_TOKEN_TTL`',
  problems: ({ tokens }, { values: v }) => {
    const ttl = v.REGISTRATION_MAX_ACCESS_TOKEN_TTL;
    return problemIf(
      ttl !== undefined && ttl > tokens.maxAccessTokenTtl,
      `REGISTRATION_MAX_ACCESS_TOKEN_TTL must be an integer between 1 and ${tokens.maxAccessTokenTtl} (got "${ttl}")`,
    );
  },
};

export const CROSS_CHECKS: readonly CrossCheck[] = [
  databasePasswordOnce,
  tokenLifetimeCap,
  tokenReuseWindow,
  adminCredentials,
  encryptionKeysWithDatabase,
  rotationOutlivesJwksCache,
  metricsListenerOfItsOwn,
  jwksCacheBounds,
  headersBeforeRequestTimeout,
  tokenHookSecret,
  tlsKeyPair,
  certificateHeaderFromProxies,
  registeredClientLifetime,
];

/** A setting allowed in production but unsafe there: the server logs the warning once at start. */
interface StartWarning {
  readonly rule: string;
  warning(config: Omit<AppConfig, 'warnings'>): string | undefined;
}

/**
 * Whether a postgres:// URL asks node-postgres for TLS (`ssl=true|1`, or any `sslmode` but `disable`), or talks to
 * this machine, where TLS protects nothing.
 */
function tlsOrLocal(databaseUrl: string): boolean {
  if (!URL.canParse(databaseUrl)) return true; // refused by its type
  const u = new URL(databaseUrl);
  const mode = u.searchParams.get('sslmode');
  const ssl = u.searchParams.get('ssl');
  if ((mode !== null && mode !== 'disable') || ssl === 'true' || ssl === '1') return true;
  // No host, or a socket path in ?host=: a Unix socket.
  const host = u.searchParams.get('host') ?? u.hostname;
  return host === '' || host.startsWith('/') || isLoopbackHost(host);
}

const databaseWithoutTls: StartWarning = {
  rule: 'a `DATABASE_URL` that does not ask for TLS (`sslmode`, `ssl`), unless it names this machine or a Unix socket',
  warning: ({ production, database }) =>
    production && database.url !== undefined && !tlsOrLocal(database.url)
      ? 'DATABASE_URL does not ask for TLS (add sslmode=verify-full, or sslmode=require): client rows, signing keys (sealed) and the admin audit cross the network in clear'
      : undefined,
};

const docsInProduction: StartWarning = {
  rule: '`DOCS_ENABLED=true`',
  warning: ({ production, http, basePath }) =>
    production && http.docsEnabled
      ? `DOCS_ENABLED=true in production: ${basePath}/docs describes the admin API to anyone who can reach this listener`
      : undefined,
};

export const START_WARNINGS: readonly StartWarning[] = [databaseWithoutTls, docsInProduction];
