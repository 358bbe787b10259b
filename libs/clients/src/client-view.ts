import type { TokenClaims, TokenExchangePolicy } from './client-claims';
import type { ClientEntity, FederatedCredential, JsonWebKeySet, TokenEndpointAuthMethod } from './client.entity';
import { cutoffSecond } from './token-cutoff';

/** What the admin API and the CLI show of a client: never a secret, a secret hash or an old secret. */
export interface ClientView {
  client_id: string;
  client_name: string | null;
  scope: string;
  grant_types: string[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  access_token_ttl: number | null;
  audience: string[];
  introspect_any_token: boolean;
  jwks?: JsonWebKeySet;
  jwks_uri?: string;
  federated_credentials?: FederatedCredential[];
  token_claims?: TokenClaims;
  token_exchange?: TokenExchangePolicy;
  token_hook?: boolean;
  // Sender-constrained tokens
  dpop_bound_access_tokens: boolean;
  tls_client_certificate_bound_access_tokens: boolean;
  tls_client_auth_subject_dn?: string;
  tls_client_auth_san_dns?: string;
  tls_client_auth_san_uri?: string;
  tls_client_auth_san_ip?: string;
  tls_client_auth_san_email?: string;
  enabled: boolean;
  // clients as code
  /** The desired-state file that owns the client; absent: managed by hand. */
  managed_by?: string;
  /** RFC 7591 §3.2.1, seconds since the epoch. */
  client_id_issued_at: number;
  /** RFC 7591 §3.2.1: 0 = the secret does not expire. */
  client_secret_expires_at: 0;
  created_at: string;
  updated_at: string;
}

/** The one mapping from the entity to its public representation. */
export function toClientView(c: ClientEntity): ClientView {
  return {
    client_id: c.clientId,
    client_name: c.clientName,
    scope: c.scopes.join(' '),
    grant_types: [...c.grantTypes],
    token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    access_token_ttl: c.accessTokenTtl,
    audience: [...c.audiences],
    introspect_any_token: c.introspectAny,
    ...(c.jwks ? { jwks: c.jwks } : {}),
    ...(c.jwksUri ? { jwks_uri: c.jwksUri } : {}),
    ...(c.federatedCredentials?.length ? { federated_credentials: c.federatedCredentials } : {}),
    ...(c.tokenClaims ? { token_claims: c.tokenClaims } : {}),
    ...(c.tokenExchange ? { token_exchange: c.tokenExchange } : {}),
    ...(c.tokenHook ? { token_hook: true } : {}),
    // Sender-constrained tokens
    dpop_bound_access_tokens: c.dpopBoundAccessTokens ?? false,
    tls_client_certificate_bound_access_tokens: c.tlsClientCertificateBoundAccessTokens ?? false,
    ...(c.tlsClientAuthSubjectDn ? { tls_client_auth_subject_dn: c.tlsClientAuthSubjectDn } : {}),
    ...(c.tlsClientAuthSanDns ? { tls_client_auth_san_dns: c.tlsClientAuthSanDns } : {}),
    ...(c.tlsClientAuthSanUri ? { tls_client_auth_san_uri: c.tlsClientAuthSanUri } : {}),
    ...(c.tlsClientAuthSanIp ? { tls_client_auth_san_ip: c.tlsClientAuthSanIp } : {}),
    ...(c.tlsClientAuthSanEmail ? { tls_client_auth_san_email: c.tlsClientAuthSanEmail } : {}),
    enabled: c.enabled,
    // clients as code
    ...(c.managedBy ? { managed_by: c.managedBy } : {}),
    client_id_issued_at: Math.floor(c.createdAt.getTime() / 1000),
    client_secret_expires_at: 0,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

export interface ClientWithSecret {
  client: ClientView;
  /** Shown this once; only its hash is stored (and for client_secret_jwt, the secret sealed). Absent for private_key_jwt. */
  secret: string | undefined;
}

/** A client as changed; `client_secret` when the change issued a new secret (shown this once). */
export type UpdatedClientView = ClientView & { client_secret?: string };

export interface RotatedSecret {
  client: ClientView;
  secret: string;
  /** Until when the previous secret keeps working; null when it stopped at once. */
  previousSecretExpiresAt: Date | null;
  /** Set when the rotation also cut off every token issued so far (revoke_tokens). */
  tokensRevokedBefore: Date | null;
}

export interface TokenCutoffResult {
  clientId: string;
  /** Tokens with `iat` at or before this second are inactive. */
  tokensRevokedBefore: Date;
}

/** What a secret rotation answers, over HTTP and on the command line alike. */
export interface RotatedSecretView extends ClientView {
  /** The new secret, shown this once. */
  client_secret: string;
  /** Seconds since the epoch until which the previous secret works; null when it stopped at once. */
  previous_secret_expires_at: number | null;
  /** With revoke_tokens: tokens whose iat is at or before this second are inactive; else null. */
  tokens_revoked_before: number | null;
}

export function toRotatedSecretView(r: RotatedSecret): RotatedSecretView {
  const until = r.previousSecretExpiresAt ? Math.floor(r.previousSecretExpiresAt.getTime() / 1000) : null;
  const cutoff = r.tokensRevokedBefore ? cutoffSecond(r.tokensRevokedBefore) : null;
  return { ...r.client, client_secret: r.secret, previous_secret_expires_at: until, tokens_revoked_before: cutoff };
}

/** Fields whose value differs, as {from, to}; timestamps left out. */
export function changedFields(before: ClientView, after: ClientView): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  // Both sides: a field the view leaves out when empty (jwks, federated_credentials, token_claims) may be the change.
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof ClientView>) {
    if (key === 'updated_at' || key === 'created_at') continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = { from: before[key], to: after[key] };
  }
  return out;
}
