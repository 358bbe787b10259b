import { parseConfig, type RawEnv } from '@app/config';
import type { KeysService } from '@app/keys';
import { TestClock } from '../../../../test/support/clock';
import { GrantRegistry } from '../grants/grant-registry';
import { ClientAuthThrottle } from '../throttle/client-auth-throttle';
import { SecurityEvents } from '../throttle/security-events';
import { MetadataService } from './metadata.service';

/** A KeysService stand-in with an RS256 active key and one retired ES256 key still published. */
const keys = {
  activeSigner: () => ({ kid: 'k2', alg: 'RS256' }),
  jwks: () => ({
    keys: [
      { kid: 'k2', alg: 'RS256' },
      { kid: 'k1', alg: 'ES256' },
    ],
  }),
} as unknown as KeysService;

/** A registry of grants that are listed, never run. */
function registry(...grantTypes: string[]): GrantRegistry {
  const config = parseConfig({ KEY_ENCRYPTION_KEYS: undefined });
  const clock = new TestClock();
  const handlers = grantTypes.map((grantType) => ({ grantType, handle: () => Promise.reject(new Error('unused')) }));
  return new GrantRegistry(handlers, new ClientAuthThrottle(config.throttle, new SecurityEvents(config.throttle, clock), clock));
}

function service(env: RawEnv): MetadataService {
  const grants = registry('client_credentials');
  return new MetadataService(parseConfig({ KEY_ENCRYPTION_KEYS: undefined, ...env }), grants, keys);
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

describe('MetadataService', () => {
  it('lists client_secret_jwt and HS256 only when CLIENT_SECRET_JWT_ENABLED is on (RFC 8414 §2)', () => {
    const on = service({ CLIENT_SECRET_JWT_ENABLED: 'true' }).document();
    const off = service({}).document();
    for (const endpoint of ['token', 'introspection', 'revocation'] as const) {
      expect(on[`${endpoint}_endpoint_auth_methods_supported`]).toEqual([
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'client_secret_jwt',
      ]);
      expect(on[`${endpoint}_endpoint_auth_signing_alg_values_supported`]).toEqual([...ASYMMETRIC, 'HS256']);
      expect(off[`${endpoint}_endpoint_auth_methods_supported`]).not.toContain('client_secret_jwt');
      expect(off[`${endpoint}_endpoint_auth_signing_alg_values_supported`]).not.toContain('HS256');
    }
  });

  it('builds every endpoint from ISSUER, which may differ from the listening address', () => {
    const doc = service({ ISSUER: 'https://auth.example.com/ms-auth-server', PORT: '9000' }).document();
    expect(doc).toEqual({
      issuer: 'https://auth.example.com/ms-auth-server',
      token_endpoint: 'https://auth.example.com/ms-auth-server/oauth2/token',
      jwks_uri: 'https://auth.example.com/ms-auth-server/oauth2/jwks',
      introspection_endpoint: 'https://auth.example.com/ms-auth-server/oauth2/introspect',
      revocation_endpoint: 'https://auth.example.com/ms-auth-server/oauth2/revoke',
      response_types_supported: [],
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ASYMMETRIC,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      introspection_endpoint_auth_signing_alg_values_supported: ASYMMETRIC,
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      revocation_endpoint_auth_signing_alg_values_supported: ASYMMETRIC,
      access_token_signing_alg_values_supported: ['RS256', 'ES256'],
      dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      tls_client_certificate_bound_access_tokens: false,
    });
  });

  it('lists the RFC 8693 token types only when token exchange is a supported grant', () => {
    const grants = registry('urn:ietf:params:oauth:grant-type:token-exchange');
    const doc = new MetadataService(parseConfig({ KEY_ENCRYPTION_KEYS: undefined }), grants, keys).document();
    expect(doc.token_exchange_requested_token_types_supported).toEqual([
      'urn:ietf:params:oauth:token-type:access_token',
      'urn:ietf:params:oauth:token-type:jwt',
    ]);
    expect(doc.token_exchange_subject_token_types_supported).toContain('urn:ietf:params:oauth:token-type:jwt');
    expect(service({}).document().token_exchange_subject_token_types_supported).toBeUndefined();
  });

  it('lists the mTLS methods only where a client certificate can arrive (RFC 8705 §2, §3.3), and the aliases when set (§5)', () => {
    const withHeader = service({
      MTLS_CLIENT_CERT_HEADER: 'x-client-cert',
      TRUST_PROXY: '10.0.0.1',
      MTLS_ENDPOINT_BASE: 'https://mtls.example.com/a',
    }).document();
    expect(withHeader.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['tls_client_auth', 'self_signed_tls_client_auth']),
    );
    expect(withHeader.tls_client_certificate_bound_access_tokens).toBe(true);
    expect(withHeader.mtls_endpoint_aliases?.token_endpoint).toBe('https://mtls.example.com/a/oauth2/token');
    expect(service({ DPOP_SIGNING_ALG_VALUES: 'EdDSA' }).document().dpop_signing_alg_values_supported).toEqual(['EdDSA']);
  });

  it('recognises the issuer path and BASE_PATH as the path-inserted suffix (RFC 8414 §3.1), nothing else', () => {
    const s = service({ ISSUER: 'https://auth.example.com/auth/v2', BASE_PATH: '/ms-auth-server' });
    expect(s.isOwnIssuerPath('auth/v2')).toBe(true);
    expect(s.isOwnIssuerPath('ms-auth-server')).toBe(true);
    expect(s.isOwnIssuerPath('auth')).toBe(false);
    expect(s.isOwnIssuerPath('auth/v2/x')).toBe(false);
    expect(s.isOwnIssuerPath('')).toBe(false);
  });

  it('has no path-inserted form for an issuer without a path', () => {
    const s = service({ ISSUER: 'https://auth.example.com', BASE_PATH: '/' });
    expect(s.isOwnIssuerPath('')).toBe(false);
    expect(s.isOwnIssuerPath('anything')).toBe(false);
  });

  it('lets the document be cached as long as the JWKS', () => {
    expect(service({ JWKS_MAX_AGE: '120' }).maxAgeSeconds()).toBe(120);
  });
});
