import { randomBytes } from 'node:crypto';
import { encryptionKeyId, KeyEncrypter } from './key-encrypter';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';

describe('KeyEncrypter (AES-256-GCM at rest)', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('round-trips a private key, and the sealed form contains no plaintext', () => {
    const e = new KeyEncrypter([k1]);
    const sealed = e.seal(PEM, 'kid-1');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed.split('.')[1]).toBe(encryptionKeyId(k1));
    expect(sealed).not.toContain('PRIVATE KEY');
    expect(sealed).not.toContain(Buffer.from(PEM).toString('base64url').slice(0, 20));
    expect(e.open(sealed, 'kid-1')).toBe(PEM);
  });

  it('uses a fresh IV each time', () => {
    const e = new KeyEncrypter([k1]);
    expect(e.seal(PEM, 'kid-1')).not.toBe(e.seal(PEM, 'kid-1'));
  });

  it('binds the sealed key to its kid (additional authenticated data)', () => {
    const e = new KeyEncrypter([k1]);
    const sealed = e.seal(PEM, 'kid-1');
    expect(() => e.open(sealed, 'kid-2')).toThrow();
  });

  it('detects tampering with the ciphertext or the tag', () => {
    const e = new KeyEncrypter([k1]);
    const parts = e.seal(PEM, 'kid-1').split('.');
    const flip = (s: string): string => {
      const b = Buffer.from(s, 'base64url');
      b[0] ^= 1;
      return b.toString('base64url');
    };
    expect(() => e.open([parts[0], parts[1], parts[2], flip(parts[3]), parts[4]].join('.'), 'kid-1')).toThrow();
    expect(() => e.open([parts[0], parts[1], parts[2], parts[3], flip(parts[4])].join('.'), 'kid-1')).toThrow();
    expect(() => e.open([parts[0], parts[1], flip(parts[2]), parts[3], parts[4]].join('.'), 'kid-1')).toThrow();
  });

  it('seals with the first key and opens with any configured key (KEK rotation)', () => {
    const old = new KeyEncrypter([k1]);
    const sealedOld = old.seal(PEM, 'kid-1');
    const rotated = new KeyEncrypter([k2, k1]);
    expect(rotated.open(sealedOld, 'kid-1')).toBe(PEM);
    expect(rotated.isCurrent(sealedOld)).toBe(false);
    const sealedNew = rotated.seal(PEM, 'kid-1');
    expect(sealedNew.split('.')[1]).toBe(encryptionKeyId(k2));
    expect(rotated.isCurrent(sealedNew)).toBe(true);
    expect(() => old.open(sealedNew, 'kid-1')).toThrow(/not in KEY_ENCRYPTION_KEYS/);
  });

  it('fails, naming the key id, for a value sealed under a key that is not configured', () => {
    const sealed = new KeyEncrypter([k1]).seal(PEM, 'kid-1');
    expect(() => new KeyEncrypter([k2]).open(sealed, 'kid-1')).toThrow(new RegExp(encryptionKeyId(k1)));
  });

  it('refuses an unknown envelope format', () => {
    const e = new KeyEncrypter([k1]);
    expect(() => e.open('v0.abc.def', 'kid-1')).toThrow(/unrecognised/);
    expect(() => e.open(PEM, 'kid-1')).toThrow();
  });

  it('needs at least one key', () => {
    expect(() => new KeyEncrypter([])).toThrow(/KEY_ENCRYPTION_KEYS/);
  });
});

describe('KeyEncrypter tag length', () => {
  it('refuses a sealed key whose GCM tag was truncated', () => {
    const e = new KeyEncrypter([Buffer.alloc(32, 7)]);
    const sealed = e.seal('private', 'kid-1');
    const parts = sealed.split('.');
    parts[4] = Buffer.from(parts[4], 'base64url').subarray(0, 12).toString('base64url');
    expect(() => e.open(parts.join('.'), 'kid-1')).toThrow(/truncated/);
  });
});
