import { KeyEncrypter } from '@app/keys';
import { Injectable } from '@nestjs/common';
import type { ClientEntity, TokenEndpointAuthMethod } from '../client.entity';
import { SECRETLESS_METHODS } from '../mtls-client-rules';
import { SecretStorage } from './secret-storage';
import type { SecretOrigin } from './stored-secret';

/** Additional authenticated data of a sealed client_secret_jwt secret: it cannot be moved to another client. */
export function sealedSecretAad(clientId: string): string {
  return `client_secret_jwt:${clientId}`;
}

/**
 * What a change of method does to the secret: only a hash exists for the secret methods, so switching to
 * client_secret_jwt (which needs the secret itself) or from private_key_jwt (which has none) issues a new one;
 * private_key_jwt drops the secret; leaving client_secret_jwt for a hashed method keeps the secret, unsealed.
 */
export function secretForMethodChange(from: TokenEndpointAuthMethod, to: TokenEndpointAuthMethod): 'keep' | 'new' | 'none' | 'unseal' {
  if (from === to) return 'keep';
  // Sender-constrained tokens: the mTLS methods have no secret either (RFC 8705 §2).
  if (SECRETLESS_METHODS.includes(to)) return 'none';
  if (to === 'client_secret_jwt' || SECRETLESS_METHODS.includes(from)) return 'new';
  return from === 'client_secret_jwt' ? 'unseal' : 'keep';
}

/**
 * A client's secret columns: the secret hashed (SecretStorage), and for client_secret_jwt, whose HMAC needs the
 * secret itself, also sealed under the key-encryption key; opened again to check an assertion, resealed when the
 * key-encryption key changes.
 */
@Injectable()
export class ClientSecretStore {
  constructor(
    private readonly secrets: SecretStorage,
    private readonly encrypter: KeyEncrypter,
  ) {}

  /**
   * The stored form of a secret (a fast digest or a slow hash, by its origin: see stored-secret.ts), and for
   * client_secret_jwt also the secret sealed under the KEK.
   */
  async secretColumns(
    clientId: string,
    method: TokenEndpointAuthMethod,
    secret: string,
    origin: SecretOrigin,
  ): Promise<{ secretHash: string; sealedSecret: string | null }> {
    const secretHash = await this.secrets.store(secret, origin);
    return { secretHash, sealedSecret: method === 'client_secret_jwt' ? this.encrypter.seal(secret, sealedSecretAad(clientId)) : null };
  }

  /**
   * The secrets of a client_secret_jwt client to check an HMAC with: the current one, then the previous one while
   * its rotation grace lasts (`nowMs` before previousSecretExpiresAt). A sealed secret that cannot be opened (sealed
   * under a key-encryption key no longer in KEY_ENCRYPTION_KEYS, or damaged) is left out, its reason in `problems`.
   */
  openSecrets(client: ClientEntity, nowMs: number): { secrets: string[]; problems: string[] } {
    const aad = sealedSecretAad(client.clientId);
    const inGrace = client.previousSealedSecret !== null && (client.previousSecretExpiresAt?.getTime() ?? 0) > nowMs;
    const secrets: string[] = [];
    const problems: string[] = [];
    for (const sealed of [client.sealedSecret, inGrace ? client.previousSealedSecret : null]) {
      if (sealed === null) continue;
      try {
        secrets.push(this.encrypter.open(sealed, aad));
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    return { secrets, problems };
  }

  /** The sealed secret under the current key-encryption key, or undefined when it is sealed under it already. */
  reseal(clientId: string, sealed: string): string | undefined {
    if (this.encrypter.isCurrent(sealed)) return undefined;
    return this.encrypter.seal(this.encrypter.open(sealed, sealedSecretAad(clientId)), sealedSecretAad(clientId));
  }
}
