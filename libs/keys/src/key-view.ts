import { sealedWith } from './key-encrypter';
import type { KeyStatus, SigningKeyEntity } from './signing-key.entity';

/** A signing key as operators see it (admin API, CLI): metadata only, never the key itself. */
export interface KeyView {
  kid: string;
  alg: string;
  status: KeyStatus;
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  /** A retired key leaves the JWKS at this time. */
  expires_at: string | null;
  /** A next key may start signing from this time on (published long enough); null for other keys. */
  not_before: string | null;
  /** Which key-encryption key seals the private part (see `npm run keys -- reencrypt`). */
  encryption_key_id: string;
}

export function toKeyView(row: SigningKeyEntity, notBefore?: Date): KeyView {
  return {
    kid: row.kid,
    alg: row.alg,
    status: row.status,
    created_at: row.createdAt.toISOString(),
    activated_at: row.activatedAt?.toISOString() ?? null,
    retired_at: row.retiredAt?.toISOString() ?? null,
    expires_at: row.expiresAt?.toISOString() ?? null,
    not_before: row.status === 'next' && notBefore ? notBefore.toISOString() : null,
    encryption_key_id: sealedWith(row.privateKey),
  };
}
