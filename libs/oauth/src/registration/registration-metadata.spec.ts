import { parseConfig } from '@app/config';
import { randomBytes } from 'node:crypto';
import { InvalidClientMetadataError } from './registration-errors';
import { readMetadata, withinPolicy } from './registration-metadata';

const config = parseConfig({
  KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
  ACCESS_TOKEN_TTL: '300',
  REGISTRATION_ALLOWED_SCOPES: 'a b',
  REGISTRATION_MAX_ACCESS_TOKEN_TTL: '600',
});

describe('registration metadata and policy', () => {
  it('ignores fields it does not understand (RFC 7591 §2) and refuses understood ones of the wrong type', () => {
    expect(readMetadata({ scope: 'a', redirect_uris: ['https://x/cb'], contacts: ['ops@x'] })).toEqual({ scope: 'a' });
    expect(() => readMetadata({ jwks: [] })).toThrow(new InvalidClientMetadataError('jwks must be a JWK Set {"keys": [...]}'));
  });

  it('fills RFC 7591 defaults: client_secret_basic, client_credentials, no scope, the server-wide token lifetime', () => {
    expect(withinPolicy({}, config)).toEqual({
      client_name: null,
      scope: '',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      audience: [],
      access_token_ttl: null,
      jwks: null,
      jwks_uri: null,
    });
  });

  it('caps the default lifetime at REGISTRATION_MAX_ACCESS_TOKEN_TTL when ACCESS_TOKEN_TTL is longer', () => {
    const long = { ...config, tokens: { ...config.tokens, accessTokenTtl: 3600 } };
    expect(withinPolicy({}, long).access_token_ttl).toBe(600);
  });

  it('refuses what the policy does not allow, naming the value', () => {
    expect(() => withinPolicy({ scope: 'a c' }, config)).toThrow('scope "c" may not be registered here');
    expect(() => withinPolicy({ token_endpoint_auth_method: 'client_secret_jwt' }, config)).toThrow(
      'token_endpoint_auth_method must be one of client_secret_basic, private_key_jwt',
    );
  });

  it('REGISTRATION_OPEN is refused in production, where anyone could register clients', () => {
    expect(() =>
      parseConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/x',
        ISSUER: 'https://auth.example',
        KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
        ADMIN_CLIENT_ID: 'admin',
        ADMIN_CLIENT_SECRET: 'a'.repeat(40),
        REGISTRATION_OPEN: 'true',
      }),
    ).toThrow(/REGISTRATION_OPEN must not be true in production/);
  });
});
