import { generateClientSecret } from './client-secret';
import {
  fastDigest,
  matchesFastDigest,
  MIN_SUPPLIED_SECRET_LENGTH,
  qualifiesForFastDigest,
  refuseAsUnknown,
  storedSecretKind,
  SUPPLIED_SECRET_PATTERN,
} from './stored-secret';

describe('stored secrets: a fast digest for generated secrets, scrypt for what a person may have chosen', () => {
  it('stores every generated secret as a fast digest that only that secret matches', () => {
    const secret = generateClientSecret();
    expect(qualifiesForFastDigest(secret, 'generated')).toBe(true);
    const stored = fastDigest(secret);
    expect(stored).toMatch(/^\$sha256\$[A-Za-z0-9+/]{43}$/);
    expect(storedSecretKind(stored)).toBe('fast');
    expect(matchesFastDigest(secret, stored)).toBe(true);
    expect(matchesFastDigest(secret + 'x', stored)).toBe(false);
    expect(matchesFastDigest(generateClientSecret(), stored)).toBe(false);
  });

  it('takes a supplied secret as fast only when shaped like a generated one (43+ base64url characters)', () => {
    expect(qualifiesForFastDigest('A'.repeat(42), 'supplied')).toBe(false);
    expect(qualifiesForFastDigest('A'.repeat(43), 'supplied')).toBe(true);
    expect(qualifiesForFastDigest(generateClientSecret(), 'supplied')).toBe(true);
    expect(qualifiesForFastDigest('a-long-passphrase-with.dots.and~tildes-and-more-words', 'supplied')).toBe(false);
    expect(qualifiesForFastDigest('service-client-jwt-secret', 'supplied')).toBe(false);
  });

  it('accepts supplied secrets of 32+ RFC 3986 unreserved characters only', () => {
    expect(MIN_SUPPLIED_SECRET_LENGTH).toBe(32);
    expect(SUPPLIED_SECRET_PATTERN.test('Abc-123._~xyz')).toBe(true);
    for (const bad of ['with space', 'plus+sign', 'percent%20', 'colon:here', 'quote"'])
      expect(SUPPLIED_SECRET_PATTERN.test(bad)).toBe(false);
  });

  it('reads the kind of what is stored, and nothing unreadable matches', () => {
    expect(storedSecretKind('$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA')).toBe('slow');
    expect(storedSecretKind('$sha256$short')).toBeUndefined();
    expect(storedSecretKind('plain text')).toBeUndefined();
    expect(matchesFastDigest('', '$sha256$short')).toBe(false);
    expect(refuseAsUnknown('anything')).toBe(false);
  });
});
