import { createPrivateKey, createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningKeyEntity } from './signing-key.entity';

/**
 * Checks a stored signing key before it is published or used: its kid must be the RFC 7638 thumbprint
 * (SHA-256) of its public JWK, and, when its private part will sign (`withPrivate`), the public key derived
 * from that private part must have the same thumbprint. A row edited by hand, restored from another
 * database, or half-written cannot then publish one key and sign with another. Returns the reason it fails,
 * or undefined when it passes.
 */
export async function keyIntegrityProblem(
  row: Pick<SigningKeyEntity, 'kid' | 'publicJwk' | 'privateKey'>,
  openPrivate: () => string,
  withPrivate: boolean,
): Promise<string | undefined> {
  let publicThumbprint: string;
  try {
    publicThumbprint = await calculateJwkThumbprint(row.publicJwk, 'sha256');
  } catch (err) {
    return `public key is not a valid JWK (${(err as Error).message})`;
  }
  if (publicThumbprint !== row.kid) return `kid is not the RFC 7638 thumbprint of its public key (${publicThumbprint})`;
  if (!withPrivate) return undefined;
  let derived: JWK;
  try {
    derived = createPublicKey(createPrivateKey(openPrivate())).export({ format: 'jwk' });
  } catch (err) {
    return `private key cannot be opened (${(err as Error).message})`;
  }
  if ((await calculateJwkThumbprint(derived, 'sha256')) !== row.kid) return 'private key does not match its public key';
  return undefined;
}
