import { ASYMMETRIC_ALGS, HMAC_ALG, TOKEN_ENDPOINT_AUTH_METHODS, type TokenEndpointAuthMethod } from '@app/clients';
import { AppConfig } from '@app/config';
import { KeysService } from '@app/keys';
import { Injectable } from '@nestjs/common';
import { GrantRegistry } from '../grants/grant-registry';
import { TOKEN_EXCHANGE_GRANT } from '../grants/token-exchange.grant';
import { ISSUED_TOKEN_TYPES, SUBJECT_TOKEN_TYPES } from '../token-exchange/exchange-policy';
import { AuthorizationServerMetadata } from './authorization-server-metadata';

const MTLS_METHODS: readonly TokenEndpointAuthMethod[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

/**
 * Builds the RFC 8414 document. `scopes_supported` (only RECOMMENDED, §2) is left out on purpose: scopes
 * are registered per client, so their union would enumerate every client's resource servers to anyone
 * who asks, and a partial list would mislead; a client learns its own scopes from the token response.
 */
@Injectable()
export class MetadataService {
  constructor(
    private readonly config: AppConfig,
    private readonly grants: GrantRegistry,
    private readonly keys: KeysService,
  ) {}

  document(): AuthorizationServerMetadata {
    const issuer = this.config.issuer;
    // What the guard really accepts: client_secret_jwt (and so HS256) only when CLIENT_SECRET_JWT_ENABLED.
    const hmac = this.config.assertions.clientSecretJwtEnabled;
    // mTLS client authentication only where a client certificate can reach the server (RFC 8705 §2).
    const mtls = this.mtlsAvailable();
    const authMethods = TOKEN_ENDPOINT_AUTH_METHODS.filter(
      (m) => (hmac || m !== 'client_secret_jwt') && (mtls || !MTLS_METHODS.includes(m)),
    );
    const authAlgs = hmac ? [...ASYMMETRIC_ALGS, HMAC_ALG] : [...ASYMMETRIC_ALGS];
    return {
      issuer,
      token_endpoint: `${issuer}/oauth2/token`,
      jwks_uri: `${issuer}/oauth2/jwks`,
      introspection_endpoint: `${issuer}/oauth2/introspect`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      response_types_supported: [],
      grant_types_supported: this.grants.supported(),
      token_endpoint_auth_methods_supported: authMethods,
      token_endpoint_auth_signing_alg_values_supported: authAlgs,
      introspection_endpoint_auth_methods_supported: authMethods,
      introspection_endpoint_auth_signing_alg_values_supported: authAlgs,
      revocation_endpoint_auth_methods_supported: authMethods,
      revocation_endpoint_auth_signing_alg_values_supported: authAlgs,
      access_token_signing_alg_values_supported: this.signingAlgs(),
      ...(this.grants.supported().includes(TOKEN_EXCHANGE_GRANT)
        ? {
            token_exchange_subject_token_types_supported: [...SUBJECT_TOKEN_TYPES],
            token_exchange_requested_token_types_supported: [...ISSUED_TOKEN_TYPES],
          }
        : {}),
      // dynamic client registration (RFC 8414 §2)
      ...(this.config.registration.enabled ? { registration_endpoint: `${issuer}/oauth2/register` } : {}),
      // Sender-constrained tokens (DPoP, mTLS)
      dpop_signing_alg_values_supported: [...this.config.senderConstraint.dpopSigningAlgs],
      tls_client_certificate_bound_access_tokens: mtls,
      ...this.mtlsAliases(),
    };
  }

  /** A certificate arrives on this server's own TLS listener or from a trusted proxy's header. */
  private mtlsAvailable(): boolean {
    const sc = this.config.senderConstraint;
    return (sc.tlsCertFile !== undefined && sc.mtlsClientCaFile !== undefined) || sc.mtlsClientCertHeader !== undefined;
  }

  private mtlsAliases(): Pick<AuthorizationServerMetadata, 'mtls_endpoint_aliases'> {
    const base = this.config.senderConstraint.mtlsEndpointBase;
    if (base === undefined) return {};
    return {
      mtls_endpoint_aliases: {
        token_endpoint: `${base}/oauth2/token`,
        introspection_endpoint: `${base}/oauth2/introspect`,
        revocation_endpoint: `${base}/oauth2/revoke`,
      },
    };
  }

  /**
   * RFC 8414 §3.1: for an issuer with a path, the well-known URI is the path-inserted form. The path after
   * the well-known segment must be the issuer's path (or BASE_PATH, which is the same unless a proxy maps
   * one to the other); any other suffix names another issuer, which this server is not.
   */
  isOwnIssuerPath(path: string): boolean {
    const wanted = '/' + path.replace(/^\/+/, '').replace(/\/+$/, '');
    const issuerPath = new URL(this.config.issuer).pathname.replace(/\/+$/, '');
    return (wanted === issuerPath && issuerPath !== '') || (wanted === this.config.basePath && this.config.basePath !== '');
  }

  /** Seconds the document may be cached: no longer than the JWKS, whose algorithms it lists. */
  maxAgeSeconds(): number {
    return this.config.keys.jwksMaxAgeSeconds;
  }

  /** The algorithm new tokens are signed with, then those of every other published key still in use. */
  private signingAlgs(): string[] {
    const algs = new Set<string>([this.keys.activeSigner().alg]);
    for (const k of this.keys.jwks().keys) if (typeof k.alg === 'string') algs.add(k.alg);
    return [...algs];
  }
}
