import { atLeast, byEnv, documented, fixed, type ProductionRule, refused, required, type Setting, setting, unset } from './setting';
import {
  bool,
  commaList,
  headerName,
  httpsUrl,
  integer,
  issuerUrl,
  keyList,
  oneOf,
  pathPrefix,
  postgresUrl,
  proxyList,
  readableFile,
  secret,
  serviceUrl,
  text,
  words,
} from './setting-types';

export type NodeEnv = 'development' | 'production' | 'test';
export type SigningAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
export const SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];
export type ScopeFormat = 'string' | 'array';
/** Client authentication methods a dynamically registered client may use. */
const REGISTRABLE_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt'] as const;

/** scrypt cost (log2 N) by default; production refuses less. */
const DEFAULT_SCRYPT_LOG_N = 15;

/** RFC 8414 §2: an issuer identifier uses https (http is for development). */
const httpsIssuer: ProductionRule<string> = {
  text: 'https',
  problem: (name, value) =>
    value !== undefined && new URL(value).protocol !== 'https:' ? `${name} must use https in production (RFC 8414 §2)` : undefined,
};

/**
 * Why a supplied secret is too uniform to be one an operator generated, or undefined. Not a strength meter (a
 * random secret of 32 or more characters has no such flaw): it catches placeholders such as 32 × "a" or a short
 * word repeated, which pass a length check. Fewer than 8 distinct characters in 32 happens by chance with
 * probability below 10^-20 for a random base64url secret.
 */
function lowVariety(secretText: string): string | undefined {
  if (new Set(secretText).size < 8) return 'has fewer than 8 distinct characters';
  if (/^(.+?)\1+$/s.test(secretText)) return 'repeats a shorter string';
  return undefined;
}

const generatedSecret: ProductionRule<string> = {
  text: 'at least 8 distinct characters, not a shorter string repeated (refuses placeholders such as 32 × `a`; any generated secret passes)',
  problem: (name, value) => {
    const reason = value === undefined ? undefined : lowVariety(value);
    return reason && `${name} ${reason}: use a generated secret in production (e.g. openssl rand -hex 32)`;
  },
};

const EMBEDDED_ONLY = documented('unused (embedded mode only)');

/**
 * Every environment variable the server reads, one row each, grouped by the section of AppConfig it belongs to.
 * parseConfig reads them with this table; `npm run docs:config` writes docs/configuration.md from it. Rules that
 * involve more than one row are in config-checks.ts.
 */
export const SETTINGS = {
  // server
  NODE_ENV: setting({
    section: 'server',
    type: oneOf<NodeEnv>(['development', 'production', 'test']),
    default: fixed<NodeEnv>('development'),
    doc: '`production` refuses insecure settings (the Production column), logs JSON and serves metrics only on their own listener; `test` behaves as `development`',
    production: [documented('`production`')],
  }),
  PORT: setting({ section: 'server', type: integer(0, 65535), default: fixed(8085), doc: 'HTTP port' }),
  HOST: setting({
    section: 'server',
    type: text('address'),
    default: byEnv('127.0.0.1', '0.0.0.0'),
    doc: 'bind address: loopback outside production unless set',
  }),
  BASE_PATH: setting({ section: 'server', type: pathPrefix, default: fixed('/ms-auth-server'), doc: 'path prefix of every route' }),
  ISSUER: setting({
    section: 'server',
    type: issuerUrl,
    default: unset('`http://localhost:${PORT}${BASE_PATH}`'),
    doc: '`iss` of the tokens and `issuer` of the metadata (RFC 8414)',
    production: [required(), httpsIssuer],
  }),
  SEED_PLAYGROUND_CLIENT: setting({
    section: 'server',
    type: bool,
    default: unset('`true` with the embedded database on a loopback `HOST` (`127.0.0.1`, `::1`, `localhost`), else `false`'),
    doc: "create the quick start's playground client (`service-client-jwt`, published secret); a server others can reach seeds it only when this says `true`",
    production: [refused(true, 'SEED_PLAYGROUND_CLIENT must not be true in production (its secret is published in the quick start)')],
  }),

  // database
  DATABASE_URL: setting({
    section: 'database',
    type: postgresUrl,
    default: unset('unset: the embedded PostgreSQL'),
    doc: 'the database; ask for TLS with `sslmode=verify-full` (or `require`)',
    production: [
      required('the embedded PostgreSQL is for development'),
      documented('a warning at start unless it asks for TLS or names this machine or a Unix socket'),
    ],
    file: true,
  }),
  DATABASE_PASSWORD: setting({
    section: 'database',
    type: text('password'),
    default: unset('unset'),
    doc: 'password for a `DATABASE_URL` that carries none (e.g. a generated secret file)',
    file: true,
  }),
  DATABASE_POOL_SIZE: setting({ section: 'database', type: integer(1, 200), default: fixed(10), doc: 'connections per instance' }),
  DATABASE_CONNECT_TIMEOUT_MS: setting({
    section: 'database',
    type: integer(100, 60_000, 'ms'),
    default: fixed(3000),
    doc: 'give up connecting after this (then 503)',
  }),
  DATABASE_STATEMENT_TIMEOUT_MS: setting({
    section: 'database',
    type: integer(100, 600_000, 'ms'),
    default: fixed(5000),
    doc: 'PostgreSQL `statement_timeout`',
  }),
  CHANGE_POLL_INTERVAL_MS: setting({
    section: 'database',
    type: integer(50, 60_000, 'ms'),
    default: fixed(500),
    doc: 'how often an instance reads the change feed (changes made through other instances sharing the database)',
  }),
  DATA_DIR: setting({
    section: 'database',
    type: text('directory'),
    default: fixed('.data'),
    doc: 'embedded mode: local state (database, generated key-encryption key, generated admin secret)',
    production: [EMBEDDED_ONLY],
  }),
  EMBEDDED_PG_DIR: setting({
    section: 'database',
    type: text('directory'),
    default: unset('`${DATA_DIR}/postgres`'),
    doc: 'embedded mode: PostgreSQL data directory',
    production: [EMBEDDED_ONLY],
  }),
  EMBEDDED_PG_PORT: setting({
    section: 'database',
    type: integer(0, 65535),
    default: fixed(54329),
    doc: 'embedded mode: PostgreSQL port on 127.0.0.1 (`0` = any free port)',
    production: [EMBEDDED_ONLY],
  }),

  // tokens
  ACCESS_TOKEN_TTL: setting({
    section: 'tokens',
    type: integer(1, 31_536_000, 'seconds'),
    default: fixed(14400),
    doc: "access token lifetime, unless a client's own `access_token_ttl` says otherwise",
  }),
  MAX_ACCESS_TOKEN_TTL: setting({
    section: 'tokens',
    type: integer(1, 31_536_000, 'seconds'),
    default: unset('`86400`, or `ACCESS_TOKEN_TTL` if longer'),
    doc: 'cap of every access token lifetime, per-client ones included',
  }),
  TOKEN_SCOPE_FORMAT: setting({
    section: 'tokens',
    type: oneOf<ScopeFormat>(['string', 'array']),
    default: fixed<ScopeFormat>('string'),
    doc: 'the `scope` claim as a space-separated `string` (RFC 9068) or an `array`',
  }),
  TOKEN_REUSE_SECONDS: setting({
    section: 'tokens',
    type: integer(0, 86400, 'seconds'),
    default: fixed(0),
    doc: 'an identical token request within this many seconds of issuance gets the same token back (`0` = off; see [Token reuse](tokens.md#token-reuse))',
  }),

  // keys
  SIGNING_ALG: setting({
    section: 'keys',
    type: oneOf(SIGNING_ALGS),
    default: fixed<SigningAlg>('RS256'),
    doc: 'algorithm of the signing key (`EdDSA` is Ed25519); a change on restart retires the old key and activates a new one',
  }),
  KEY_ENCRYPTION_KEYS: setting({
    section: 'keys',
    type: keyList,
    default: unset('generated in embedded mode'),
    doc: 'the first encrypts signing keys at rest (AES-256-GCM), all decrypt; instances sharing a database must share them',
    production: [documented('**required** (with `DATABASE_URL`)')],
    file: true,
  }),
  JWKS_MAX_AGE: setting({
    section: 'keys',
    type: integer(0, 86400, 'seconds'),
    default: fixed(600),
    doc: '`Cache-Control: max-age` of the JWKS',
  }),
  KEY_ROTATION_INTERVAL: setting({
    section: 'keys',
    type: integer(0, 31_536_000, 'seconds'),
    default: fixed(0),
    doc: 'automatic signing-key rotation period (`0` = off)',
    production: [documented('recommended')],
  }),
  KEY_RETIREMENT_GRACE: setting({
    section: 'keys',
    type: integer(0, 86400, 'seconds'),
    default: fixed(60),
    doc: "how long a retired key stays published after its last token expired (verifiers' clock leeway)",
  }),

  // secrets
  SECRET_HASH_LOG_N: setting({
    section: 'secrets',
    type: integer(10, 20),
    default: fixed(DEFAULT_SCRYPT_LOG_N),
    doc: 'scrypt cost, log2(N), for client secrets (r=8, p=1)',
    production: [atLeast(DEFAULT_SCRYPT_LOG_N, 'the default')],
  }),

  // clientCache
  CLIENT_CACHE_TTL: setting({
    section: 'clientCache',
    type: integer(0, 86400, 'seconds'),
    default: fixed(300),
    doc: "how long a cached client's row answers before it is read again (`0` = no cache); a change invalidates it at once on the instance that made it and within one change-feed poll on the others; its proven secrets survive the re-read while the stored hash is unchanged",
  }),
  CLIENT_CACHE_SIZE: setting({
    section: 'clientCache',
    type: integer(1, 10_000_000),
    default: fixed(100_000),
    doc: 'most clients cached per instance; the least recently used is dropped first',
  }),

  // assertions
  ASSERTION_MAX_LIFETIME: setting({
    section: 'assertions',
    type: integer(1, 86400, 'seconds'),
    default: fixed(300),
    doc: "how far ahead a client's own assertion (`private_key_jwt`, `client_secret_jwt`) may expire",
  }),
  ASSERTION_ACCEPT_TOKEN_ENDPOINT_AUD: setting({
    section: 'assertions',
    type: bool,
    default: fixed(false),
    doc: "also accept the token endpoint URL as an assertion's `aud` (older clients); otherwise only `ISSUER`",
  }),
  ASSERTION_CLOCK_SKEW: setting({
    section: 'assertions',
    type: integer(0, 300, 'seconds'),
    default: fixed(30),
    doc: 'clock difference tolerated on assertion `exp`, `nbf` and `iat`',
  }),
  CLIENT_SECRET_JWT_ENABLED: setting({
    section: 'assertions',
    type: bool,
    default: fixed(false),
    doc: 'allow `client_secret_jwt` (HS256; the secret is then kept sealed under `KEY_ENCRYPTION_KEYS`) and list it in the metadata',
  }),
  JWKS_REFETCH_INTERVAL: setting({
    section: 'assertions',
    type: integer(1, 86400, 'seconds'),
    default: fixed(60),
    doc: "an unknown `kid` refetches a client's or issuer's key set at most this often",
  }),
  JWKS_MIN_CACHE: setting({
    section: 'assertions',
    type: integer(0, 86400, 'seconds'),
    default: fixed(60),
    doc: 'shortest time a fetched key set or discovery document is used, whatever its `Cache-Control` says',
  }),
  JWKS_MAX_CACHE: setting({
    section: 'assertions',
    type: integer(1, 604_800, 'seconds'),
    default: fixed(86400),
    doc: 'longest time a fetched key set or discovery document is used, whatever its `Cache-Control` says',
  }),
  JWKS_FETCH_TIMEOUT_MS: setting({
    section: 'assertions',
    type: integer(100, 60_000, 'ms'),
    default: fixed(5000),
    doc: 'time limit of a `jwks_uri` or discovery fetch',
  }),
  JWKS_FETCH_MAX_BYTES: setting({
    section: 'assertions',
    type: integer(1024, 10_485_760, 'bytes'),
    default: fixed(262_144),
    doc: 'size limit of a `jwks_uri` or discovery response',
  }),

  // senderConstraint
  DPOP_SIGNING_ALG_VALUES: setting({
    section: 'senderConstraint',
    type: commaList(SIGNING_ALGS),
    default: fixed<readonly SigningAlg[]>(['ES256', 'RS256', 'PS256', 'EdDSA']),
    doc: 'DPoP proof algorithms accepted (asymmetric only, RFC 9449 §4.3)',
  }),
  DPOP_MAX_AGE: setting({
    section: 'senderConstraint',
    type: integer(1, 3600, 'seconds'),
    default: fixed(300),
    doc: 'how long a DPoP proof is accepted after its `iat`',
  }),
  DPOP_CLOCK_SKEW: setting({
    section: 'senderConstraint',
    type: integer(0, 300, 'seconds'),
    default: fixed(5),
    doc: "how far a DPoP proof's `iat` may be ahead",
  }),
  DPOP_NONCE_REQUIRED: setting({
    section: 'senderConstraint',
    type: bool,
    default: fixed(false),
    doc: 'every DPoP proof must carry a server nonce (RFC 9449 §8)',
  }),
  DPOP_NONCE_WINDOW: setting({
    section: 'senderConstraint',
    type: integer(10, 86400, 'seconds'),
    default: fixed(300),
    doc: 'one nonce window; a nonce is accepted in its window and the next',
  }),
  MTLS_CLIENT_CA_FILE: setting({
    section: 'senderConstraint',
    type: readableFile,
    default: unset('unset'),
    doc: 'PEM bundle of the CAs a `tls_client_auth` certificate must chain to; with TLS on, also asks clients for certificates',
  }),
  MTLS_CLIENT_CERT_HEADER: setting({
    section: 'senderConstraint',
    type: headerName,
    default: unset('unset'),
    doc: 'header a trusted proxy (`TRUST_PROXY`) puts the client certificate in, URL-encoded PEM (e.g. `X-Client-Cert`)',
  }),
  TLS_CERT_FILE: setting({
    section: 'senderConstraint',
    type: readableFile,
    default: unset('unset'),
    doc: 'serve https with this certificate, with `TLS_KEY_FILE`',
  }),
  TLS_KEY_FILE: setting({
    section: 'senderConstraint',
    type: readableFile,
    default: unset('unset'),
    doc: 'the private key of `TLS_CERT_FILE`',
  }),
  MTLS_ENDPOINT_BASE: setting({
    section: 'senderConstraint',
    type: httpsUrl('RFC 8705 §5'),
    default: unset('unset'),
    doc: 'base URL of the mTLS host when it differs from the issuer (e.g. `https://mtls.example.com/ms-auth-server`), published as `mtls_endpoint_aliases`',
  }),

  // claims
  TOKEN_CLAIMS_MAX_BYTES: setting({
    section: 'claims',
    type: integer(2, 65536, 'bytes'),
    default: fixed(2048),
    doc: "size of a client's `token_claims` (and of what the token hook adds) as JSON",
  }),
  TOKEN_HOOK_URL: setting({
    section: 'claims',
    type: serviceUrl,
    default: unset('unset: no hook (`token_hook: true` is refused)'),
    doc: 'the token hook, asked before signing for clients with `token_hook: true` (see [Token hook](token-claims.md#token-hook-token_hook_url-optional))',
    production: [documented('https')],
  }),
  TOKEN_HOOK_SECRET: setting({
    section: 'claims',
    type: text('secret'),
    default: unset('unset'),
    doc: 'HMAC-SHA256 key of the signature header the hook checks: required with `TOKEN_HOOK_URL`, at least 32 characters',
    file: true,
  }),
  TOKEN_HOOK_TIMEOUT_MS: setting({
    section: 'claims',
    onlyWith: 'TOKEN_HOOK_URL',
    type: integer(10, 10_000, 'ms'),
    default: fixed(200),
    doc: 'time limit of one hook call',
  }),
  TOKEN_HOOK_FAILURE: setting({
    section: 'claims',
    onlyWith: 'TOKEN_HOOK_URL',
    type: oneOf(['deny', 'allow'] as const),
    default: fixed<'deny' | 'allow'>('deny'),
    doc: "what a failed, timed-out or open-circuit hook means: `deny` (503) or `allow` (the token without the hook's claims)",
  }),
  TOKEN_HOOK_BREAKER_THRESHOLD: setting({
    section: 'claims',
    onlyWith: 'TOKEN_HOOK_URL',
    type: integer(1, 1000),
    default: fixed(5),
    doc: 'consecutive hook failures that open the circuit',
  }),
  TOKEN_HOOK_BREAKER_OPEN_MS: setting({
    section: 'claims',
    onlyWith: 'TOKEN_HOOK_URL',
    type: integer(100, 3_600_000, 'ms'),
    default: fixed(10_000),
    doc: 'how long the circuit stays open before one trial call',
  }),
  TOKEN_HOOK_ALLOW_PRIVATE_NETWORK: setting({
    section: 'claims',
    onlyWith: 'TOKEN_HOOK_URL',
    type: bool,
    default: fixed(false),
    doc: 'in production, also call a hook on a private (cluster) address; https still required',
  }),

  // registration
  REGISTRATION_ENABLED: setting({
    section: 'registration',
    type: bool,
    default: fixed(false),
    doc: 'dynamic client registration (RFC 7591/7592) at `{BASE_PATH}/oauth2/register`, listed in the metadata',
  }),
  REGISTRATION_OPEN: setting({
    section: 'registration',
    type: bool,
    default: fixed(false),
    doc: 'register without an initial access token',
    production: [
      refused(true, 'REGISTRATION_OPEN must not be true in production: anyone could register clients (use initial access tokens)'),
    ],
  }),
  REGISTRATION_SCOPE: setting({
    section: 'registration',
    type: text('scope token'),
    default: fixed('client.register'),
    doc: 'scope an initial access token (a token of this server) must carry',
  }),
  REGISTRATION_AUDIENCE: setting({
    section: 'registration',
    type: text('audience'),
    default: unset('`${ISSUER}/oauth2/register`'),
    doc: 'audience an initial access token must be issued for',
  }),
  REGISTRATION_ALLOWED_AUTH_METHODS: setting({
    section: 'registration',
    type: words('method', REGISTRABLE_AUTH_METHODS),
    default: fixed<readonly (typeof REGISTRABLE_AUTH_METHODS)[number][]>(['client_secret_basic', 'private_key_jwt']),
    doc: 'client authentication methods a registered client may use',
  }),
  REGISTRATION_ALLOWED_SCOPES: setting({
    section: 'registration',
    type: words('scope'),
    default: fixed<readonly string[]>([]),
    doc: 'scopes a registered client may ask for',
  }),
  REGISTRATION_ALLOWED_AUDIENCES: setting({
    section: 'registration',
    type: words('audience'),
    default: fixed<readonly string[]>([]),
    doc: 'audiences (RFC 8707 resources) a registered client may ask for',
  }),
  REGISTRATION_MAX_ACCESS_TOKEN_TTL: setting({
    section: 'registration',
    type: integer(1, 31_536_000, 'seconds'),
    default: unset('`ACCESS_TOKEN_TTL` (at most `MAX_ACCESS_TOKEN_TTL`)'),
    doc: 'longest access token lifetime of a registered client; at most `MAX_ACCESS_TOKEN_TTL`',
  }),

  // admin
  ADMIN_CLIENT_ID: setting({
    section: 'admin',
    type: text('client id'),
    default: unset('unset'),
    doc: 'create or update the admin client at start, with `ADMIN_CLIENT_SECRET`',
    production: [documented('**required**')],
    file: true,
  }),
  ADMIN_CLIENT_SECRET: setting({
    section: 'admin',
    type: secret(32),
    default: unset('unset'),
    doc: "the admin client's secret, with `ADMIN_CLIENT_ID`",
    production: [documented('**required**'), generatedSecret],
    file: true,
  }),
  ADMIN_SCOPE: setting({
    section: 'admin',
    type: text('one scope token (RFC 6749 §3.3)'),
    default: fixed('admin'),
    doc: 'scope the admin API requires',
  }),
  ADMIN_AUDIENCE: setting({
    section: 'admin',
    type: text('audience'),
    default: unset('`${ISSUER}/admin`'),
    doc: 'audience the admin API requires',
  }),
  ADMIN_ACCESS_TOKEN_TTL: setting({
    section: 'admin',
    type: integer(1, 86400, 'seconds'),
    default: fixed(900),
    doc: 'lifetime cap of tokens for the admin audience; the admin API refuses longer-lived ones',
  }),

  // http
  BODY_LIMIT: setting({ section: 'http', type: integer(1024, 10_485_760, 'bytes'), default: fixed(16384), doc: 'largest request body' }),
  TRUST_PROXY: setting({
    section: 'http',
    type: proxyList,
    default: fixed<boolean | readonly string[]>(false),
    doc: 'which peers may set `X-Forwarded-For`: `false` none; a list of addresses and CIDR blocks (`10.0.0.0/8,::1`, the load balancers): the source is the rightmost hop that is not one of them; `true` any peer (**unsafe on a public port**: every client then picks its own address, and escapes throttling). Unset, a request carrying `X-Forwarded-For` logs one warning (the first time)',
    production: [
      documented('set behind a proxy'),
      refused<boolean | readonly string[]>(
        true,
        'TRUST_PROXY=true is refused in production (every client could claim any source address and escape throttling): list the load balancers, e.g. TRUST_PROXY=10.0.0.5,10.0.1.0/24',
      ),
    ],
  }),
  RETRY_AFTER: setting({ section: 'http', type: integer(1, 3600, 'seconds'), default: fixed(5), doc: '`Retry-After` of a 503' }),
  HTTP_REQUEST_TIMEOUT_MS: setting({
    section: 'http',
    type: integer(0, 3_600_000, 'ms'),
    default: fixed(30_000),
    doc: 'a whole request (headers and body) must arrive within this (`0` = no limit)',
  }),
  HTTP_HEADERS_TIMEOUT_MS: setting({
    section: 'http',
    type: integer(1000, 3_600_000, 'ms'),
    default: fixed(10_000),
    doc: 'the header block must arrive within this',
  }),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: setting({
    section: 'http',
    type: integer(1000, 3_600_000, 'ms'),
    default: fixed(72_000),
    doc: "idle keep-alive connections close after this (keep it above a load balancer's idle timeout)",
  }),
  DOCS_ENABLED: setting({
    section: 'http',
    type: bool,
    default: byEnv(true, false),
    doc: 'serve the OpenAPI document and UI at `{BASE_PATH}/docs`',
    production: [documented('`true` logs a warning at start')],
  }),
  CONSOLE_ENABLED: setting({
    section: 'http',
    type: bool,
    default: byEnv(true, false),
    doc: 'serve the admin console at `{BASE_PATH}/console` (see [Admin console](console.md))',
  }),

  // throttle
  THROTTLE_CLIENT_BURST: setting({
    section: 'throttle',
    type: integer(1, 1_000_000),
    default: fixed(10),
    doc: 'failed authentications allowed at once per (client id, source address)',
  }),
  THROTTLE_CLIENT_PER_MINUTE: setting({
    section: 'throttle',
    type: integer(1, 1_000_000),
    default: fixed(6),
    doc: 'failed authentications regained per minute per (client id, source address)',
  }),
  THROTTLE_SOURCE_BURST: setting({
    section: 'throttle',
    type: integer(1, 1_000_000),
    default: fixed(60),
    doc: 'failed authentications allowed at once per source address (any client id)',
  }),
  THROTTLE_SOURCE_PER_MINUTE: setting({
    section: 'throttle',
    type: integer(1, 1_000_000),
    default: fixed(60),
    doc: 'failed authentications regained per minute per source address',
  }),
  THROTTLE_MAX_TRACKED: setting({
    section: 'throttle',
    type: integer(100, 10_000_000),
    default: fixed(50_000),
    doc: 'most throttle entries kept per kind (the least recently used is dropped beyond it)',
  }),
  THROTTLE_HASH_QUEUE: setting({
    section: 'throttle',
    type: integer(1, 10_000),
    default: fixed(32),
    doc: 'secret verifications that may wait for a hashing slot, per lane; beyond it 429 at once',
  }),
  THROTTLE_SLOW_PER_MINUTE: setting({
    section: 'throttle',
    type: integer(1, 1_000_000),
    default: fixed(10),
    doc: "slow-hash (scrypt) verifications that fail, per client id per minute from all sources; beyond it that id's not-yet-proven secrets get 429 at once",
  }),
  THROTTLE_LOG_PER_MINUTE: setting({
    section: 'throttle',
    type: integer(1, 1_000_000),
    default: fixed(120),
    doc: 'most security warnings written per minute (the rest are counted in the next line)',
  }),
  THROTTLE_IPV6_PREFIX: setting({
    section: 'throttle',
    type: integer(0, 128),
    default: fixed(64),
    doc: 'IPv6 sources are throttled per prefix of this many bits (`128` = per address); IPv4 always per address',
  }),

  // revocation
  REVOCATION_BURST: setting({
    section: 'revocation',
    type: integer(1, 1_000_000),
    default: fixed(100),
    doc: 'new token revocations allowed at once per client; beyond it 429 with `Retry-After` (repeating a revocation is free)',
  }),
  REVOCATION_PER_MINUTE: setting({
    section: 'revocation',
    type: integer(1, 1_000_000),
    default: fixed(30),
    doc: 'new token revocations regained per minute per client',
  }),

  // log
  LOG_LEVEL: setting({
    section: 'log',
    type: oneOf(['error', 'warn', 'info', 'debug'] as const),
    default: fixed<'error' | 'warn' | 'info' | 'debug'>('info'),
    doc: '`info` writes one access line per request',
  }),
  LOG_FORMAT: setting({
    section: 'log',
    type: oneOf(['json', 'text'] as const),
    default: byEnv<'json' | 'text'>('text', 'json'),
    doc: '`json`: one JSON object per line; `text`: pino-pretty, a development dependency',
    production: [refused('text', 'LOG_FORMAT=text needs pino-pretty, a development dependency: use LOG_FORMAT=json in production')],
  }),

  // metrics
  METRICS_ENABLED: setting({ section: 'metrics', type: bool, default: fixed(true), doc: '`false` switches every metrics surface off' }),
  METRICS_PORT: setting({
    section: 'metrics',
    type: integer(0, 65535),
    default: byEnv<number | undefined>(undefined, 9464),
    doc: 'separate listener for Prometheus (`GET /metrics` on `METRICS_HOST`; `0` = any free port); outside production metrics are also at `{BASE_PATH}/metrics`',
  }),
  METRICS_HOST: setting({
    section: 'metrics',
    type: text('address'),
    default: fixed('127.0.0.1'),
    doc: 'address of the `METRICS_PORT` listener: loopback unless set (the compose file sets `0.0.0.0` on its private network)',
  }),
  METRICS_GC_DURATION: setting({
    section: 'metrics',
    type: bool,
    default: fixed(false),
    doc: "also export prom-client's `nodejs_gc_duration_seconds` (on Node 20 its GC observer leaves ~5 KB of long-lived objects per collection, so RSS is less flat)",
  }),

  // shutdown
  SHUTDOWN_DRAIN_MS: setting({
    section: 'shutdown',
    type: integer(0, 60_000, 'ms'),
    default: byEnv(0, 5000),
    doc: 'after SIGTERM, ready answers 503 this long before the listener stops accepting',
  }),
};

export type SettingName = keyof typeof SETTINGS;

/** The value of every setting: from its variable, else its default (undefined where the default is unset). */
export type SettingValues = {
  readonly [K in SettingName]: (typeof SETTINGS)[K] extends Setting<infer T, infer V> ? (undefined extends V ? T | undefined : T) : never;
};
