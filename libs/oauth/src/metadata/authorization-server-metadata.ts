/**
 * RFC 8414 §2 authorization server metadata, as this server publishes it. Only what the server really
 * supports is listed; every URL is built from the configured issuer, never from the request's Host.
 */
export interface AuthorizationServerMetadata {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  introspection_endpoint: string;
  revocation_endpoint: string;
  /** REQUIRED by §2 even without an authorization endpoint: no response type is supported. */
  response_types_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  /** §2: the JWS algorithms of private_key_jwt and client_secret_jwt assertions (HS256 only with the latter enabled). */
  token_endpoint_auth_signing_alg_values_supported: string[];
  introspection_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_signing_alg_values_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_signing_alg_values_supported: string[];
  /**
   * Not an RFC 8414 field (§2 allows additional metadata): the JWS algorithms of the access tokens this
   * server signs (RFC 9068), under the name InterSystems IRIS and Janssen use. Verifiers should still take
   * each key's `alg` from the JWKS.
   */
  access_token_signing_alg_values_supported: string[];
  /**
   * Not an RFC 8414 field (§2 allows additional metadata): the RFC 8693 §3 token types a token exchange accepts as
   * subject_token_type / actor_token_type, and those it issues (requested_token_type).
   */
  token_exchange_subject_token_types_supported?: string[];
  token_exchange_requested_token_types_supported?: string[];
  // dynamic client registration
  /** §2: RFC 7591 registration, listed only when REGISTRATION_ENABLED. */
  registration_endpoint?: string;
  // Sender-constrained tokens (DPoP, mTLS)
  /** RFC 9449 §5.1 */
  dpop_signing_alg_values_supported: string[];
  /** RFC 8705 §3.3 */
  tls_client_certificate_bound_access_tokens: boolean;
  /** RFC 8705 §5: where the mTLS variants of the endpoints are, when on another host. */
  mtls_endpoint_aliases?: Record<string, string>;
}
