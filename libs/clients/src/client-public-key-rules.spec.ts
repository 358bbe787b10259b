import { generateKeyPairSync } from 'node:crypto';
import { authMethodProblems, federatedCredentialProblems, jwksProblems, jwksUriProblems } from './client-public-key-rules';

const ec = (): Record<string, string> =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as Record<string, string>;
const ecPrivate = (): Record<string, string> =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Record<string, string>;

const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });

const fields = (p: { field: string }[]): string[] => p.map((x) => x.field);

describe("a client's public keys (RFC 7591 §2 jwks / jwks_uri)", () => {
  it('accepts public EC, RSA and Ed25519 keys with distinct kids', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    expect(
      jwksProblems({
        keys: [
          { ...ec(), kid: 'a' },
          { ...rsa, kid: 'b', alg: 'PS256' },
          { ...ed, kid: 'c', use: 'sig' },
        ],
      }),
    ).toEqual([]);
  });

  it.each([
    ['not a JWK Set', [], 'jwks'],
    ['an empty set', { keys: [] }, 'jwks.keys'],
    ['a private key', { keys: [ecPrivate()] }, 'jwks.keys.0'],
    ['a symmetric key', { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, 'jwks.keys.0'],
    ['an unsupported curve', { keys: [{ ...ec(), crv: 'secp256k1' }] }, 'jwks.keys.0'],
    ['an encryption key', { keys: [{ ...ec(), use: 'enc' }] }, 'jwks.keys.0'],
    ['an HMAC alg', { keys: [{ ...ec(), alg: 'HS256' }] }, 'jwks.keys.0'],
    ['a broken key', { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }] }, 'jwks.keys.0'],
    ['an RSA modulus below 2048 bits', { keys: [rsa1024] }, 'jwks.keys.0'],
    ['an RSA modulus of a few bits', { keys: [{ kty: 'RSA', n: 'AA', e: 'AQAB' }] }, 'jwks.keys.0'],
    [
      'an RSA public exponent above 2^32',
      { keys: [{ ...rsa2048, e: Buffer.from('0100000000000001', 'hex').toString('base64url') }] },
      'jwks.keys.0',
    ],
  ])('refuses %s', (_, jwks, field) => {
    expect(fields(jwksProblems(jwks))).toContain(field);
  });

  it('refuses a kid given twice, naming the second key', () => {
    expect(
      fields(
        jwksProblems({
          keys: [
            { ...ec(), kid: 'a' },
            { ...ec(), kid: 'a' },
          ],
        }),
      ),
    ).toEqual(['jwks.keys.1']);
  });

  it('wants https in production and allows http only outside it', () => {
    expect(jwksUriProblems('https://keys.example.com/jwks', true)).toEqual([]);
    expect(fields(jwksUriProblems('http://keys.example.com/jwks', true))).toEqual(['jwks_uri']);
    expect(jwksUriProblems('http://127.0.0.1:9/jwks', false)).toEqual([]);
    expect(fields(jwksUriProblems('https://keys.example.com/jwks#x', false))).toEqual(['jwks_uri']);
    expect(fields(jwksUriProblems('ftp://keys.example.com', false))).toEqual(['jwks_uri']);
  });
});

describe('federated credentials and the method rules', () => {
  it('accepts {issuer, subject, audience?, claims?}', () => {
    expect(
      federatedCredentialProblems([{ issuer: 'https://idp.example.com', subject: 's', audience: 'a', claims: { ref: 'refs/heads/main' } }]),
    ).toEqual([]);
  });

  it('names each wrong field', () => {
    expect(
      fields(
        federatedCredentialProblems([
          { issuer: 'nope', subject: '' },
          { issuer: 'https://idp.example.com', subject: 's', claims: { sub: 'x' } },
          { issuer: 'https://idp.example.com', subject: 's', claims: { n: 1 } },
          { issuer: 'https://idp.example.com', subject: 's', extra: true },
        ]),
      ),
    ).toEqual([
      'federated_credentials.0.issuer',
      'federated_credentials.0.subject',
      'federated_credentials.1.claims',
      'federated_credentials.2.claims',
      'federated_credentials.3',
    ]);
  });

  it('wants keys or a credential for private_key_jwt, never both jwks and jwks_uri, and none for the secret methods', () => {
    const jwks = { keys: [ec()] };
    expect(authMethodProblems({ method: 'private_key_jwt', jwks, jwksUri: null, federated: [] })).toEqual([]);
    expect(fields(authMethodProblems({ method: 'private_key_jwt', jwks: null, jwksUri: null, federated: [] }))).toEqual([
      'token_endpoint_auth_method',
    ]);
    expect(fields(authMethodProblems({ method: 'private_key_jwt', jwks, jwksUri: 'https://x', federated: [] }))).toEqual(['jwks_uri']);
    expect(fields(authMethodProblems({ method: 'client_secret_basic', jwks, jwksUri: null, federated: [] }))).toEqual(['jwks']);
  });
});
