import { createHash, type KeyObject, X509Certificate } from 'node:crypto';

const thumbprints = new WeakMap<X509Certificate, string>();

/** RFC 8705 §3.1: `x5t#S256` is the base64url SHA-256 of the certificate's DER encoding (computed once per object). */
export function certificateThumbprint(cert: X509Certificate): string {
  let t = thumbprints.get(cert);
  if (t === undefined) {
    t = createHash('sha256').update(cert.raw).digest('base64url');
    thumbprints.set(cert, t);
  }
  return t;
}

/** The certificates of a PEM bundle (the CA file). */
export function parsePemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** True while `now` is within the certificate's validity period. */
function currentlyValid(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

/**
 * RFC 8705 §2.1: the certificate was issued and signed by one of the trusted CAs (directly: put intermediates
 * into MTLS_CLIENT_CA_FILE as trust anchors) and is valid now.
 */
export function chainsToTrustedCa(cert: X509Certificate, cas: readonly X509Certificate[], now: Date): boolean {
  if (!currentlyValid(cert, now)) return false;
  return cas.some((ca) => currentlyValid(ca, now) && cert.checkIssued(ca) && cert.verify(ca.publicKey));
}

/** The subject and SAN values a tls_client_auth client registered (RFC 8705 §2.1.2: exactly one is used). */
export interface ExpectedSubject {
  subjectDn: string | null;
  sanDns: string | null;
  sanUri: string | null;
  sanIp: string | null;
  sanEmail: string | null;
}

/**
 * RFC 4514 DN as attribute=value pairs, attribute types upper-cased and escapes resolved, in the string's order
 * (the most specific RDN first, the reverse of the certificate's own order).
 */
export function parseDistinguishedName(dn: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i];
    if (ch === '\\' && i + 1 < dn.length) {
      cur += dn[++i];
    } else if (ch === ',' || ch === '+') {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map(normalisePair).filter((p) => p !== '=');
}

function normalisePair(pair: string): string {
  const eq = pair.indexOf('=');
  if (eq < 0) return pair.trim();
  return `${pair.slice(0, eq).trim().toUpperCase()}=${pair.slice(eq + 1).trim()}`;
}

/**
 * The subject of a certificate in RFC 4514 order: node lists it in the certificate's order, one RDN a line, with
 * commas and plus signs in values escaped as RFC 4514 does.
 */
function subjectPairs(cert: X509Certificate): string[] {
  return parseDistinguishedName(cert.subject.split('\n').reverse().join(','));
}

/** `DNS:a, URI:b, IP Address:c, email:d` as kind/value pairs. */
function subjectAltNames(cert: X509Certificate): { kind: string; value: string }[] {
  const raw = cert.subjectAltName;
  if (!raw) return [];
  return raw.split(/, (?=[A-Za-z ]+:)/).map((entry) => {
    const colon = entry.indexOf(':');
    let value = entry.slice(colon + 1);
    if (value.startsWith('"') && value.endsWith('"')) value = JSON.parse(value) as string;
    return { kind: entry.slice(0, colon), value };
  });
}

/** RFC 8705 §2.1.2: the certificate's subject DN, or one of its SANs of the registered kind, matches. */
export function subjectMatches(cert: X509Certificate, expected: ExpectedSubject): boolean {
  if (expected.subjectDn !== null) {
    const want = parseDistinguishedName(expected.subjectDn);
    const have = subjectPairs(cert);
    return want.length === have.length && want.every((p, i) => p === have[i]);
  }
  const sans = subjectAltNames(cert);
  const has = (kind: string, value: string, caseless = false): boolean =>
    sans.some((s) => s.kind === kind && (caseless ? s.value.toLowerCase() === value.toLowerCase() : s.value === value));
  if (expected.sanDns !== null) return has('DNS', expected.sanDns, true);
  if (expected.sanUri !== null) return has('URI', expected.sanUri);
  if (expected.sanIp !== null) return has('IP Address', expected.sanIp);
  if (expected.sanEmail !== null) return has('email', expected.sanEmail, true);
  return false;
}

/** RFC 8705 §2.2: self_signed_tls_client_auth: the certificate's public key is one of the client's keys. */
export function publicKeyAmong(cert: X509Certificate, keys: readonly KeyObject[]): boolean {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return keys.some((k) => k.type === 'public' && k.export({ type: 'spki', format: 'der' }).equals(spki));
}
