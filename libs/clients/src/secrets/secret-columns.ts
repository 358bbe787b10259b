import type { ClientEntity } from '../client.entity';
import type { secretForMethodChange } from './client-secret-store';

/**
 * The secret columns of a client row: one current secret (its hash, and for client_secret_jwt the secret sealed
 * under the key-encryption key, since an HMAC needs the secret itself) and at most one previous secret, accepted
 * until previousSecretExpiresAt (a rotation's grace). Each change of a client writes them through one of these.
 */
type SecretColumns = Pick<
  ClientEntity,
  'secretHash' | 'sealedSecret' | 'previousSecretHash' | 'previousSealedSecret' | 'previousSecretExpiresAt'
>;

/** The stored form of a newly issued secret (ClientCredentials.secretColumns). */
interface IssuedSecret {
  secretHash: string;
  sealedSecret: string | null;
}

const NO_PREVIOUS_SECRET = { previousSecretHash: null, previousSealedSecret: null, previousSecretExpiresAt: null } as const;

/** Registration: the first secret, or none for a method without one. */
export function registeredSecretColumns(issued: IssuedSecret | undefined): Partial<SecretColumns> {
  return issued ?? { secretHash: null };
}

/**
 * A change of method (see secretForMethodChange): a new secret replaces the current one and ends any grace; a
 * method without a secret clears them all; leaving client_secret_jwt for a hashed method drops the sealed copies.
 */
export function methodChangeSecretColumns(
  change: ReturnType<typeof secretForMethodChange>,
  issued: IssuedSecret | undefined,
): Partial<SecretColumns> {
  if (issued !== undefined) return { ...issued, ...NO_PREVIOUS_SECRET };
  if (change === 'none') return { secretHash: null, sealedSecret: null, ...NO_PREVIOUS_SECRET };
  return change === 'unseal' ? { sealedSecret: null, previousSealedSecret: null } : {};
}

/**
 * Rotation: the new secret becomes current. With a grace (`previousSecretExpiresAt`) the secret it replaces keeps
 * working until then: its hash, and for client_secret_jwt its sealed form too. Only one previous secret is kept,
 * so a second rotation ends the first grace.
 */
export function rotatedSecretColumns(current: SecretColumns, issued: IssuedSecret, previousSecretExpiresAt: Date | null): SecretColumns {
  return {
    ...issued,
    previousSecretHash: previousSecretExpiresAt ? current.secretHash : null,
    previousSealedSecret: previousSecretExpiresAt && issued.sealedSecret !== null ? current.sealedSecret : null,
    previousSecretExpiresAt,
  };
}
