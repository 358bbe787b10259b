import type { TokenClaims, TokenExchangePolicy } from './client-claims';
import type { ClientEntity, FederatedCredential, JsonWebKeySet, TokenEndpointAuthMethod } from './client.entity';

/**
 * Client metadata as the admin API and the CLI send it, in RFC 7591 §2 field names. `scope` is a
 * space-delimited string (RFC 6749 §3.3); `audience` lists the RFC 8707 resources the client may ask for,
 * the first being its default. Input is validated before it reaches the service (see @app/admin).
 */
export interface ClientMetadata {
  client_name?: string | null;
  scope?: string;
  token_endpoint_auth_method?: TokenEndpointAuthMethod;
  grant_types?: string[];
  /** Seconds; null falls back to ACCESS_TOKEN_TTL. */
  access_token_ttl?: number | null;
  audience?: string[];
  /** May introspect other clients' tokens (RFC 7662 §4). */
  introspect_any_token?: boolean;
  /** RFC 7591 §2, private_key_jwt: public keys by value or by reference, never both; null removes. */
  jwks?: JsonWebKeySet | null;
  jwks_uri?: string | null;
  /** Workload identity federation: platform tokens this client accepts in place of its own assertion. */
  federated_credentials?: FederatedCredential[];
  /** Claims every access token of the client carries; null removes them. */
  token_claims?: TokenClaims | null;
  /** RFC 8693: audiences and scopes the client may obtain on behalf of others; null: no token exchange. */
  token_exchange?: TokenExchangePolicy | null;
  /** Ask the token hook (TOKEN_HOOK_URL) before signing this client's tokens. */
  token_hook?: boolean;
  // clients as code
  /** The desired-state file that owns the client (its `managed_by`); null: managed by hand. */
  managed_by?: string | null;
  // Sender-constrained tokens (RFC 9449 §5.2, RFC 8705 §2.1.2 and §3.4)
  dpop_bound_access_tokens?: boolean;
  tls_client_certificate_bound_access_tokens?: boolean;
  tls_client_auth_subject_dn?: string | null;
  tls_client_auth_san_dns?: string | null;
  tls_client_auth_san_uri?: string | null;
  tls_client_auth_san_ip?: string | null;
  tls_client_auth_san_email?: string | null;
}

export interface NewClient extends ClientMetadata {
  client_id?: string;
  scope: string;
  client_secret?: string;
}

export interface ClientPatch extends ClientMetadata {
  enabled?: boolean;
}

export function splitScope(scope: string): string[] {
  return [...new Set(scope.split(' ').filter((s) => s !== ''))];
}

/** The one mapping from metadata fields to entity columns; only the fields present are returned. */
export function toClientColumns(m: ClientPatch): Partial<ClientEntity> {
  const cols: Partial<ClientEntity> = {};
  if (m.client_name !== undefined) cols.clientName = m.client_name;
  if (m.scope !== undefined) cols.scopes = splitScope(m.scope);
  if (m.token_endpoint_auth_method !== undefined) cols.tokenEndpointAuthMethod = m.token_endpoint_auth_method;
  if (m.grant_types !== undefined) cols.grantTypes = [...new Set(m.grant_types)];
  if (m.access_token_ttl !== undefined) cols.accessTokenTtl = m.access_token_ttl;
  if (m.audience !== undefined) cols.audiences = [...m.audience];
  if (m.introspect_any_token !== undefined) cols.introspectAny = m.introspect_any_token;
  if (m.enabled !== undefined) cols.enabled = m.enabled;
  if (m.jwks !== undefined) cols.jwks = m.jwks;
  if (m.jwks_uri !== undefined) cols.jwksUri = m.jwks_uri;
  if (m.federated_credentials !== undefined) cols.federatedCredentials = m.federated_credentials.map(normalCredential);
  // an empty object is no claims.
  if (m.token_claims !== undefined) cols.tokenClaims = m.token_claims && Object.keys(m.token_claims).length ? m.token_claims : null;
  if (m.token_hook !== undefined) cols.tokenHook = m.token_hook;
  if (m.token_exchange !== undefined)
    cols.tokenExchange = m.token_exchange && { audiences: m.token_exchange.audiences, scopes: m.token_exchange.scopes };
  // clients as code
  if (m.managed_by !== undefined) cols.managedBy = m.managed_by;
  // Sender-constrained tokens
  if (m.dpop_bound_access_tokens !== undefined) cols.dpopBoundAccessTokens = m.dpop_bound_access_tokens;
  if (m.tls_client_certificate_bound_access_tokens !== undefined) {
    cols.tlsClientCertificateBoundAccessTokens = m.tls_client_certificate_bound_access_tokens;
  }
  if (m.tls_client_auth_subject_dn !== undefined) cols.tlsClientAuthSubjectDn = m.tls_client_auth_subject_dn;
  if (m.tls_client_auth_san_dns !== undefined) cols.tlsClientAuthSanDns = m.tls_client_auth_san_dns;
  if (m.tls_client_auth_san_uri !== undefined) cols.tlsClientAuthSanUri = m.tls_client_auth_san_uri;
  if (m.tls_client_auth_san_ip !== undefined) cols.tlsClientAuthSanIp = m.tls_client_auth_san_ip;
  if (m.tls_client_auth_san_email !== undefined) cols.tlsClientAuthSanEmail = m.tls_client_auth_san_email;
  return cols;
}

/** Only the credential's own fields, in one order, so equal credentials compare equal in the audit trail. */
function normalCredential(c: FederatedCredential): FederatedCredential {
  return {
    issuer: c.issuer,
    subject: c.subject,
    ...(c.audience !== undefined ? { audience: c.audience } : {}),
    ...(c.claims !== undefined ? { claims: { ...c.claims } } : {}),
    // Validated after this mapping: anything but an array of objects is kept as sent, for the validator to name.
    ...(c.claim_mappings !== undefined
      ? {
          claim_mappings: Array.isArray(c.claim_mappings)
            ? c.claim_mappings.map((m) => (isObject(m) ? { from: m.from, to: m.to } : m))
            : c.claim_mappings,
        }
      : {}),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
