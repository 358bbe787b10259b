import type { TokenClaims, TokenExchangePolicy } from './client-claims';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type TokenEndpointAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'client_secret_jwt'
  // Sender-constrained tokens: mutual TLS client authentication (RFC 8705 §2)
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth';
export const TOKEN_ENDPOINT_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'client_secret_jwt',
  // Sender-constrained tokens: mutual TLS client authentication (RFC 8705 §2)
  'tls_client_auth',
  'self_signed_tls_client_auth',
];

/** A JSON Web Key Set (RFC 7517 §5) as registered: public keys only. */
export interface JsonWebKeySet {
  /** JWK members are strings, or arrays of strings (key_ops, x5c). */
  keys: Record<string, string | string[]>[];
}

/**
 * Workload identity federation: a token from `issuer` (a trusted issuer) whose `sub` is exactly `subject`, whose
 * `aud` is exactly `audience` (default: this server's issuer identifier) and whose claims hold every `claims` value.
 */
export interface FederatedCredential {
  issuer: string;
  subject: string;
  audience?: string;
  claims?: Record<string, string>;
  /** verified claims of the workload's token copied into the access token, by name. */
  claim_mappings?: ClaimMapping[];
}

/** A claim of a verified external token (`from`) carried into the access token under the name `to`. */
export interface ClaimMapping {
  from: string;
  to: string;
}
export const GRANT_TYPES = [
  'client_credentials',
  // RFC 8693 token exchange and the RFC 7523 §2.1 JWT bearer grant.
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
] as const;

/** A registered OAuth client (RFC 6749 §2). Only a hash of the secret is stored. */
@Entity('oauth_clients')
export class ClientEntity {
  @PrimaryColumn({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ name: 'client_name', type: 'text', nullable: true })
  clientName: string | null;

  /** PHC string, see SecretHasher; null for a private_key_jwt client, which has no secret. */
  @Column({ name: 'secret_hash', type: 'text', nullable: true })
  secretHash: string | null;

  /** client_secret_jwt only: the secret itself, sealed under the key-encryption key (an HMAC needs it). */
  @Column({ name: 'sealed_secret', type: 'text', nullable: true })
  sealedSecret: string | null;

  /** client_secret_jwt only: the secret before the last rotation, sealed, accepted until previousSecretExpiresAt. */
  @Column({ name: 'previous_sealed_secret', type: 'text', nullable: true })
  previousSealedSecret: string | null;

  /** RFC 7591 §2 `jwks`: the client's public keys by value; never together with jwksUri. */
  @Column({ type: 'jsonb', nullable: true })
  jwks: JsonWebKeySet | null;

  /** RFC 7591 §2 `jwks_uri`. */
  @Column({ name: 'jwks_uri', type: 'text', nullable: true })
  jwksUri: string | null;

  @Column({ name: 'federated_credentials', type: 'jsonb', default: () => "'[]'" })
  federatedCredentials: FederatedCredential[];

  /** The secret before the last rotation, accepted until previousSecretExpiresAt (rotation grace). */
  @Column({ name: 'previous_secret_hash', type: 'text', nullable: true })
  previousSecretHash: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  scopes: string[];

  @Column({ name: 'grant_types', type: 'text', array: true, default: () => "'{client_credentials}'" })
  grantTypes: string[];

  @Column({ name: 'token_endpoint_auth_method', type: 'text', default: 'client_secret_basic' })
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;

  /** Seconds; null falls back to ACCESS_TOKEN_TTL. */
  @Column({ name: 'access_token_ttl', type: 'integer', nullable: true })
  accessTokenTtl: number | null;

  /** Audiences (RFC 8707 resources) this client may ask for; the first is its default. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  audiences: string[];

  /** May introspect tokens of other clients (RFC 7662 §4). */
  @Column({ name: 'introspect_any', type: 'boolean', default: false })
  introspectAny: boolean;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** Tokens issued at or before this instant (whole seconds of `iat`) are inactive; see token-cutoff.ts. */
  @Column({ name: 'tokens_revoked_before', type: 'timestamptz', nullable: true })
  tokensRevokedBefore: Date | null;

  /** Claims every access token of this client carries (never a reserved claim). */
  @Column({ name: 'token_claims', type: 'jsonb', nullable: true })
  tokenClaims: TokenClaims | null;

  /** RFC 8693: what this client may obtain on behalf of others; null: no token exchange. */
  @Column({ name: 'token_exchange', type: 'jsonb', nullable: true })
  tokenExchange: TokenExchangePolicy | null;

  /** Ask the token hook (TOKEN_HOOK_URL) before signing this client's tokens. */
  @Column({ name: 'token_hook', type: 'boolean', default: false })
  tokenHook: boolean;
  // clients as code
  /** The desired-state file (its `managed_by`) that owns this client; only such clients are pruned by it. */
  @Column({ name: 'managed_by', type: 'text', nullable: true })
  managedBy: string | null;
  // Sender-constrained tokens (RFC 9449 §5.2, RFC 8705 §2.1.2 and §3.4)
  /** RFC 9449 §5.2: every token request of this client must carry a DPoP proof. */
  @Column({ name: 'dpop_bound_access_tokens', type: 'boolean', default: false })
  dpopBoundAccessTokens: boolean;

  /** RFC 8705 §3.4: tokens are bound to the client certificate of the request (cnf x5t#S256). */
  @Column({ name: 'tls_client_certificate_bound_access_tokens', type: 'boolean', default: false })
  tlsClientCertificateBoundAccessTokens: boolean;

  /** RFC 8705 §2.1.2, tls_client_auth: the one certificate subject value expected (at most one is set). */
  @Column({ name: 'tls_client_auth_subject_dn', type: 'text', nullable: true })
  tlsClientAuthSubjectDn: string | null;

  @Column({ name: 'tls_client_auth_san_dns', type: 'text', nullable: true })
  tlsClientAuthSanDns: string | null;

  @Column({ name: 'tls_client_auth_san_uri', type: 'text', nullable: true })
  tlsClientAuthSanUri: string | null;

  @Column({ name: 'tls_client_auth_san_ip', type: 'text', nullable: true })
  tlsClientAuthSanIp: string | null;

  @Column({ name: 'tls_client_auth_san_email', type: 'text', nullable: true })
  tlsClientAuthSanEmail: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
