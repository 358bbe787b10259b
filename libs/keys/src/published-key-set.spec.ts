import type { webcrypto } from 'node:crypto';
import { PublishedKeySet } from './published-key-set';

type Key = webcrypto.CryptoKey;
const entry = (kid: string, expiresAt?: number) => ({
  kid,
  jwk: { kty: 'OKP', kid },
  verifier: Promise.resolve({ kid } as unknown as Key),
  expiresAt,
});

describe('PublishedKeySet', () => {
  const set = new PublishedKeySet([entry('active'), entry('retired-1', 1000), entry('retired-2', 2000), entry('next')]);

  it('publishes every key in order until the first expiry', () => {
    expect(set.at(999)).toBe(set);
    expect(set.document.keys.map((k) => k.kid)).toEqual(['active', 'retired-1', 'retired-2', 'next']);
  });

  it('drops a retired key at its expiry, from the JWKS and from verification', async () => {
    const later = set.at(1000);
    expect(later.document.keys.map((k) => k.kid)).toEqual(['active', 'retired-2', 'next']);
    expect(later.verifier('retired-1')).toBeUndefined();
    expect(await later.verifier('retired-2')).toEqual({ kid: 'retired-2' });
    expect(set.at(5000).document.keys.map((k) => k.kid)).toEqual(['active', 'next']);
  });
});
