import { createHash, timingSafeEqual } from 'node:crypto';

/*
 * The two kinds of stored client secret, and the rule that picks one.
 *
 * A slow password hash (scrypt) only protects a secret that a person may have chosen: after a database leak it
 * makes each offline guess expensive. A secret of 256 random bits cannot be guessed offline whatever the hash,
 * so for those a fast digest loses nothing, and it takes away the lever a slow hash hands every stranger: a wrong
 * guess costs about a microsecond to refuse instead of two scrypt runs (about 140 ms of CPU). API-key systems such
 * as GitHub's store their keys the same way.
 *
 *   fast  `$sha256$<base64 digest>`             secrets the server generated, and supplied secrets shaped like them
 *   slow  `$scrypt$ln=..,r=..,p=..$<salt>$<key>` any other supplied secret (see secret-hasher.ts)
 */

const FAST_PREFIX = '$sha256$';
const FAST = /^\$sha256\$([A-Za-z0-9+/]{43})$/;

/** 43 or more characters of the base64url alphabet: what generateClientSecret() makes, 256 bits if random. */
const GENERATED_SHAPE = /^[A-Za-z0-9_-]{43,}$/;

/**
 * RFC 3986 unreserved characters. Basic credentials should be form-encoded (RFC 6749 §2.3.1), but curl `-u`,
 * requests-oauthlib and Authlib do not encode them, so a secret with `+`, `%`, `:` or a space works from some
 * clients and fails from others.
 */
export const SUPPLIED_SECRET_PATTERN = /^[A-Za-z0-9._~-]*$/;

/** The shortest secret a caller may supply (supplied secrets must also match SUPPLIED_SECRET_PATTERN). */
export const MIN_SUPPLIED_SECRET_LENGTH = 32;

/** Where a secret came from: the server made it, or someone supplied it (admin API, CLI, configuration). */
export type SecretOrigin = 'generated' | 'supplied';

export type StoredSecretKind = 'fast' | 'slow';

/** Whether a secret may be stored as a fast digest: generated here, or vouched for by its shape (256 bits if random). */
export function qualifiesForFastDigest(secret: string, origin: SecretOrigin): boolean {
  return origin === 'generated' || GENERATED_SHAPE.test(secret);
}

export function fastDigest(secret: string): string {
  return FAST_PREFIX + createHash('sha256').update(secret, 'utf8').digest('base64').slice(0, 43);
}

/** The kind of a stored secret; undefined for anything unreadable (which matches no secret). */
export function storedSecretKind(stored: string): StoredSecretKind | undefined {
  if (stored.startsWith(FAST_PREFIX)) return FAST.test(stored) ? 'fast' : undefined;
  return stored.startsWith('$scrypt$') ? 'slow' : undefined;
}

/** Constant-time comparison of a secret with a fast digest. */
export function matchesFastDigest(secret: string, stored: string): boolean {
  const m = FAST.exec(stored);
  const expected = Buffer.from(m ? m[1] : DUMMY, 'base64');
  const actual = createHash('sha256').update(secret, 'utf8').digest().subarray(0, expected.length);
  return timingSafeEqual(actual, expected) && m !== null;
}

/** A digest nothing matches (not the digest of any secret we would accept), for the same work on an unknown id. */
const DUMMY = 'A'.repeat(43);

/** The work of refusing a wrong secret of a fast-digest client, for a client id that does not exist. */
export function refuseAsUnknown(secret: string): false {
  matchesFastDigest(secret, FAST_PREFIX + DUMMY);
  return false;
}
