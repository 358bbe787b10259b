import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

type KeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** A client's DPoP key pair (RFC 9449 §2) and the thumbprint a bound token names in cnf.jkt. */
export interface DpopKey {
  privateKey: KeyLike;
  publicKey: KeyLike;
  jwk: JWK;
  jkt: string;
  alg: string;
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, publicKey, jwk, jkt: await calculateJwkThumbprint(jwk), alg };
}

export interface ProofOptions {
  htm?: string;
  iat?: number;
  jti?: string;
  nonce?: string;
  /** Extra claims, such as ath (RFC 9449 §4.2) for a resource request. */
  claims?: Record<string, unknown>;
  /** Header members replacing the regular ones. */
  header?: Record<string, unknown>;
}

/** A DPoP proof JWT (RFC 9449 §4.2) for `htu`, built by hand so a test can break any part of it. */
export function dpopProof(key: DpopKey, htu: string, opts: ProofOptions = {}): Promise<string> {
  return new SignJWT({
    htm: opts.htm ?? 'POST',
    htu,
    iat: opts.iat ?? Math.floor(Date.now() / 1000),
    jti: opts.jti ?? randomUUID(),
    ...(opts.nonce !== undefined ? { nonce: opts.nonce } : {}),
    ...opts.claims,
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk, ...opts.header })
    .sign(key.privateKey);
}
