import { type ClientView, type JsonWebKeySet, type NewClient, splitScope, type TokenEndpointAuthMethod } from '@app/clients';
import type { AppConfig } from '@app/config';
import { InvalidClientMetadataError } from './registration-errors';

/** The RFC 7591 §2 fields this server understands (plus its audience and access_token_ttl extensions). */
export interface RegistrationMetadata {
  client_name?: string | null;
  scope?: string;
  token_endpoint_auth_method?: string;
  grant_types?: string[];
  jwks?: JsonWebKeySet | null;
  jwks_uri?: string | null;
  audience?: string[];
  access_token_ttl?: number | null;
}

type Check = (v: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const isStringList: Check = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '');
const FIELDS: Record<keyof RegistrationMetadata, { check: Check; expected: string }> = {
  client_name: {
    check: (v) => v === null || (isString(v) && /^[^\p{Cc}]{1,255}$/u.test(v as string)),
    expected: 'a name of 1 to 255 characters',
  },
  scope: {
    check: (v) => isString(v) && (v === '' || /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(v as string)),
    expected: 'space-delimited scope tokens (RFC 6749 §3.3)',
  },
  token_endpoint_auth_method: { check: isString, expected: 'a string' },
  grant_types: { check: isStringList, expected: 'an array of strings' },
  jwks: {
    check: (v) => v === null || (typeof v === 'object' && !Array.isArray(v) && Array.isArray((v as JsonWebKeySet).keys)),
    expected: 'a JWK Set {"keys": [...]}',
  },
  jwks_uri: { check: (v) => v === null || (isString(v) && (v as string).length <= 2048), expected: 'a URL' },
  audience: { check: isStringList, expected: 'an array of resource URIs' },
  access_token_ttl: {
    check: (v) => v === null || (Number.isInteger(v) && (v as number) > 0),
    expected: 'a positive integer number of seconds',
  },
};

/**
 * The registration metadata of a request body or a software statement. RFC 7591 §2: fields this server does not
 * understand (redirect_uris, logo_uri, contacts...) are ignored; one it understands with a wrong type is refused.
 */
export function readMetadata(
  source: Record<string, unknown>,
  fail: (message: string) => Error = (m) => new InvalidClientMetadataError(m),
): RegistrationMetadata {
  const out: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(FIELDS)) {
    const v = source[field];
    if (v === undefined) continue;
    if (!rule.check(v)) throw fail(`${field} must be ${rule.expected}`);
    out[field] = v;
  }
  return out;
}

/**
 * The client to register (or, on an RFC 7592 update, the whole new registration) within the policy: allowed auth
 * methods, only client_credentials, scopes and audiences from the allowed lists, a bounded token lifetime. A field
 * left out gets its default (RFC 7592 §2.2: an update replaces every field). Refusals name the field.
 */
export function withinPolicy(m: RegistrationMetadata, config: Pick<AppConfig, 'registration' | 'tokens'>): NewClient {
  const policy = config.registration;
  const method = m.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!policy.allowedAuthMethods.includes(method)) {
    throw new InvalidClientMetadataError(`token_endpoint_auth_method must be one of ${policy.allowedAuthMethods.join(', ')}`);
  }
  const grants = m.grant_types ?? ['client_credentials'];
  if (grants.some((g) => g !== 'client_credentials')) {
    throw new InvalidClientMetadataError('grant_types: this server supports only client_credentials');
  }
  const scopes = splitScope(m.scope ?? '');
  const extraScope = scopes.find((s) => !policy.allowedScopes.includes(s));
  if (extraScope !== undefined) throw new InvalidClientMetadataError(`scope "${extraScope}" may not be registered here`);
  const audience = m.audience ?? [];
  const extraAudience = audience.find((a) => !policy.allowedAudiences.includes(a));
  if (extraAudience !== undefined) throw new InvalidClientMetadataError(`audience "${extraAudience}" may not be registered here`);
  // The server-wide default lifetime applies unless it is above what registered clients may have.
  const fallbackTtl = config.tokens.accessTokenTtl > policy.maxAccessTokenTtl ? policy.maxAccessTokenTtl : null;
  const ttl = m.access_token_ttl ?? fallbackTtl;
  if (ttl !== null && ttl > policy.maxAccessTokenTtl) {
    throw new InvalidClientMetadataError(`access_token_ttl must not exceed ${policy.maxAccessTokenTtl} seconds`);
  }
  return {
    client_name: m.client_name ?? null,
    scope: scopes.join(' '),
    token_endpoint_auth_method: method as TokenEndpointAuthMethod,
    grant_types: [...new Set(grants)],
    audience,
    access_token_ttl: ttl,
    jwks: m.jwks ?? null,
    jwks_uri: m.jwks_uri ?? null,
  };
}

/** RFC 7591 §3.2.1 / RFC 7592 §3: the registered metadata, with what the server provisioned. */
export function registrationResponse(
  c: ClientView,
  extra: { secret?: string; accessToken: string; uri: string; softwareStatement: string | null },
): Record<string, unknown> {
  return {
    client_id: c.client_id,
    ...(extra.secret !== undefined ? { client_secret: extra.secret } : {}),
    client_id_issued_at: c.client_id_issued_at,
    // 0: the secret does not expire (§3.2.1); REQUIRED only with a secret, harmless without.
    client_secret_expires_at: 0,
    registration_access_token: extra.accessToken,
    registration_client_uri: extra.uri,
    ...(c.client_name !== null ? { client_name: c.client_name } : {}),
    scope: c.scope,
    grant_types: c.grant_types,
    token_endpoint_auth_method: c.token_endpoint_auth_method,
    ...(c.jwks ? { jwks: c.jwks } : {}),
    ...(c.jwks_uri ? { jwks_uri: c.jwks_uri } : {}),
    ...(c.audience.length ? { audience: c.audience } : {}),
    ...(c.access_token_ttl !== null ? { access_token_ttl: c.access_token_ttl } : {}),
    // §3.2.1: a software statement used in the registration is returned unmodified.
    ...(extra.softwareStatement !== null ? { software_statement: extra.softwareStatement } : {}),
  };
}
