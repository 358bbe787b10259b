import { randomBytes } from 'node:crypto';

/** 256 bits of entropy in base64url, which only uses RFC 3986 unreserved characters. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}
