import type { SigningAlg } from '@app/config';
import { compactVerify, importPKCS8, SignJWT } from 'jose';
import { createPublicKey, generateKeyPairSync, type KeyObject, type webcrypto } from 'node:crypto';
import { CompactJwsSigner } from './compact-jws';

function pair(alg: SigningAlg): KeyObject {
  switch (alg) {
    case 'RS256':
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    case 'EdDSA':
      return generateKeyPairSync('ed25519').privateKey;
  }
}

const claims = {
  client_id: 'svc',
  scope: 'a b',
  iss: 'https://issuer.example/x',
  sub: 'svc',
  aud: ['api-1', 'api-2'],
  jti: 'j',
  iat: 1,
  nbf: 1,
  exp: 2,
};

/** The token as SignJWT wrote it before CompactJwsSigner replaced it on the hot path. */
function viaSignJwt(alg: SigningAlg, key: webcrypto.CryptoKey): Promise<string> {
  return new SignJWT({ client_id: claims.client_id, scope: claims.scope })
    .setProtectedHeader({ alg, kid: 'k1', typ: 'at+jwt' })
    .setIssuer(claims.iss)
    .setSubject(claims.sub)
    .setAudience(claims.aud)
    .setJti(claims.jti)
    .setIssuedAt(claims.iat)
    .setNotBefore(claims.nbf)
    .setExpirationTime(claims.exp)
    .sign(key);
}

describe('CompactJwsSigner: the access token as SignJWT produced it', () => {
  it.each<SigningAlg>(['RS256', 'PS256', 'ES256', 'EdDSA'])('%s: same header and claims bytes, signature verifies', async (alg) => {
    const privateKey = pair(alg);
    const key = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, alg);
    const signer = new CompactJwsSigner({ kid: 'k1', alg, key, activatedAt: new Date(0) });

    const token = await signer.sign(claims);
    const reference = await viaSignJwt(alg, key);

    // RS256 and EdDSA signatures are deterministic; PS256 and ES256 are randomised, so compare what was signed.
    if (alg === 'RS256' || alg === 'EdDSA') expect(token).toBe(reference);
    else expect(token.split('.').slice(0, 2)).toEqual(reference.split('.').slice(0, 2));
    const { payload, protectedHeader } = await compactVerify(token, createPublicKey(privateKey), { algorithms: [alg] });
    expect(protectedHeader).toEqual({ alg, kid: 'k1', typ: 'at+jwt' });
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual(claims);
  });
});
