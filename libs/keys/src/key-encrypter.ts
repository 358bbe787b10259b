import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export function encryptionKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

/** The id of the key-encryption key a sealed value was sealed with (not secret: a truncated hash). */
export function sealedWith(sealed: string): string {
  return sealed.split('.')[1] ?? '';
}

/**
 * AES-256-GCM envelope for private keys at rest: `v1.<kek id>.<iv>.<ciphertext>.<tag>` (base64url), with the
 * key id as additional authenticated data so a sealed key cannot be swapped onto another row. The first
 * key-encryption key seals; every configured key opens, which lets operators rotate KEY_ENCRYPTION_KEYS.
 */
export class KeyEncrypter {
  private readonly keys: Map<string, Buffer>;
  private readonly currentId: string;

  constructor(keys: Buffer[]) {
    if (keys.length === 0) throw new Error('no key-encryption key configured (KEY_ENCRYPTION_KEYS)');
    this.keys = new Map(keys.map((k) => [encryptionKeyId(k), k]));
    this.currentId = encryptionKeyId(keys[0]);
  }

  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.currentId, iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(
      '.',
    );
  }

  open(sealed: string, aad: string): string {
    const [version, kekId, iv, ct, tag] = sealed.split('.');
    if (version !== VERSION || !tag) throw new Error('unrecognised sealed key format');
    const kek = this.keys.get(kekId);
    if (!kek) throw new Error(`sealed with key-encryption key ${kekId}, which is not in KEY_ENCRYPTION_KEYS`);
    const tagBytes = Buffer.from(tag, 'base64url');
    // A full 16-byte tag only: GCM would otherwise accept a truncated one.
    if (tagBytes.length !== 16) throw new Error('sealed key has a truncated authentication tag');
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Whether a sealed value is under the current (first) key. */
  isCurrent(sealed: string): boolean {
    return sealedWith(sealed) === this.currentId;
  }

  /** The id of the key that seals (the first of KEY_ENCRYPTION_KEYS). */
  get sealingKeyId(): string {
    return this.currentId;
  }
}
