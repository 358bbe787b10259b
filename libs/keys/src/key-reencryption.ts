import type { DataSource } from 'typeorm';
import { recordKeyAudit } from './key-audit';
import { type KeyEncrypter, sealedWith } from './key-encrypter';
import { lockKeys } from './key-lock';
import { SigningKeyEntity } from './signing-key.entity';

export interface ReencryptionResult {
  /** The key-encryption key every private key is sealed with now. */
  sealing_key_id: string;
  total: number;
  /** kid → id of the key-encryption key it was sealed with before. */
  resealed: Record<string, string>;
}

/**
 * KEK rotation, step two: with the new key first in KEY_ENCRYPTION_KEYS and the old one still listed, re-seal
 * every stored private key under the new one, all in one transaction (all or nothing). Afterwards the old
 * key can be removed from KEY_ENCRYPTION_KEYS. The public keys do not change, so nothing needs reloading.
 */
export async function reencryptSigningKeys(ds: DataSource, encrypter: KeyEncrypter, actor: string): Promise<ReencryptionResult> {
  return ds.transaction(async (m) => {
    await lockKeys(m);
    const rows = await m.find(SigningKeyEntity, { order: { createdAt: 'ASC', kid: 'ASC' } });
    const resealed: Record<string, string> = {};
    for (const row of rows) {
      if (encrypter.isCurrent(row.privateKey)) continue;
      const pem = encrypter.open(row.privateKey, row.kid);
      await m.update(SigningKeyEntity, { kid: row.kid }, { privateKey: encrypter.seal(pem, row.kid) });
      resealed[row.kid] = sealedWith(row.privateKey);
    }
    if (Object.keys(resealed).length) {
      await recordKeyAudit(m, actor, 'keys.reencrypted', { sealing_key_id: encrypter.sealingKeyId, resealed });
    }
    return { sealing_key_id: encrypter.sealingKeyId, total: rows.length, resealed };
  });
}
