/** The decoded `client_secret_basic` credentials, or undefined when the header is not well formed. */
export interface BasicCredentials {
  clientId: string;
  clientSecret: string;
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** application/x-www-form-urlencoded decoding, as RFC 6749 §2.3.1 requires for both parts. */
function formDecode(s: string): string | undefined {
  // Most ids and secrets need no decoding: skip the regex and the decoder for them (token hot path).
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Parses `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 7617 §2, RFC 6749 §2.3.1).
 * The scheme name is case-insensitive.
 */
export function parseBasicAuthorization(header: string): BasicCredentials | undefined {
  const m = /^basic +([^ ]+) *$/i.exec(header);
  if (!m || !B64.test(m[1]) || m[1].length % 4 !== 0) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const clientId = formDecode(decoded.slice(0, colon));
  const clientSecret = formDecode(decoded.slice(colon + 1));
  if (!clientId || !clientSecret) return undefined;
  return { clientId, clientSecret };
}
