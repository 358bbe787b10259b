import type { SigningAlg } from '@app/config';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';

export interface GeneratedKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: JWK;
  privatePkcs8: string;
}

/** A fresh signing key pair; the kid is its RFC 7638 JWK thumbprint. */
export async function generateSigningKey(alg: SigningAlg): Promise<GeneratedKey> {
  const options = alg === 'EdDSA' ? { extractable: true, crv: 'Ed25519' } : { extractable: true, modulusLength: 2048 };
  const { publicKey, privateKey } = await generateKeyPair(alg, options);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    kid,
    alg,
    publicJwk: { ...jwk, kid, alg, use: 'sig' },
    privatePkcs8: await exportPKCS8(privateKey),
  };
}
