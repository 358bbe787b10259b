import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { FieldProblem } from './client-admin.errors';
import { RESERVED_TOKEN_CLAIMS } from './client-claims';
import type { FederatedCredential, JsonWebKeySet, TokenEndpointAuthMethod } from './client.entity';

/*
 * Rules on a client's own public keys (jwks, jwks_uri) and federated credentials, with which the server checks the
 * JWTs the client authenticates with (RFC 7523 §2.2, RFC 7591 §2); the server's signing keys are libs/keys. Pure so
 * the admin API, the CLI and unit tests share them. Each returns the problems found, by field.
 */

/** Asymmetric JWS algorithms accepted for private_key_jwt (RFC 7518 §3.1); `none` and HMAC never. */
export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export const HMAC_ALG = 'HS256';

/** Keys per set, registered (jwks) or fetched (jwks_uri): each verification without kid would try them all. */
export const MAX_CLIENT_KEYS = 20;
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 4096;
const RSA_MAX_EXPONENT = 2n ** 32n;
export const MAX_FEDERATED_CREDENTIALS = 20;
const MAX_CLAIM_CONDITIONS = 20;

/** Members that only private (or symmetric) keys carry (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const CURVES: Record<string, readonly string[]> = { EC: ['P-256', 'P-384', 'P-521'], OKP: ['Ed25519'] };

/** RFC 7591 §2 `jwks`: public RSA, EC or Ed25519 signing keys, each kid once. */
export function jwksProblems(jwks: unknown): FieldProblem[] {
  const out: FieldProblem[] = [];
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || Array.isArray(jwks) || !Array.isArray(keys)) {
    return [{ field: 'jwks', message: 'jwks must be a JWK Set: {"keys": [...]} (RFC 7517 §5)' }];
  }
  const extra = Object.keys(jwks).filter((k) => k !== 'keys');
  if (extra.length) out.push({ field: 'jwks', message: `jwks must hold only "keys" (found ${extra.join(', ')})` });
  if (keys.length === 0) out.push({ field: 'jwks.keys', message: 'jwks must hold at least one key' });
  if (keys.length > MAX_CLIENT_KEYS) out.push({ field: 'jwks.keys', message: `jwks may hold at most ${MAX_CLIENT_KEYS} keys` });
  const kids = new Set<string>();
  keys.forEach((key: unknown, i) => {
    const field = `jwks.keys.${i}`;
    const problem = keyProblem(key, kids);
    if (problem) out.push({ field, message: problem });
  });
  return out;
}

function keyProblem(key: unknown, kids: Set<string>): string | undefined {
  const problem = publicSigningKeyProblem(key);
  if (problem) return problem;
  const kid = (key as { kid?: unknown }).kid;
  if (kid !== undefined) {
    if (kids.has(kid as string)) return `kid "${kid as string}" appears more than once`;
    kids.add(kid as string);
  }
  return undefined;
}

/**
 * Why `key` is not a public signing key this server verifies with, or undefined: the rules for registered keys,
 * also applied to each key a jwks_uri serves. RSA is bounded on both sides: below 2048 bits is too weak
 * (NIST SP 800-131A), and a larger modulus or exponent only makes each verification slower for everyone.
 */
export function publicSigningKeyProblem(key: unknown): string | undefined {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return 'each key must be a JSON object (a JWK)';
  const k = key as Record<string, unknown>;
  if (!['RSA', 'EC', 'OKP'].includes(k.kty as string)) return 'kty must be RSA, EC or OKP (symmetric keys are refused)';
  if (PRIVATE_MEMBERS.some((m) => m in k)) return 'only public keys may be registered: remove the private members (d, p, q, …)';
  const curves = CURVES[k.kty as string];
  if (curves && !curves.includes(k.crv as string)) return `crv must be one of ${curves.join(', ')} for kty ${String(k.kty)}`;
  if (k.use !== undefined && k.use !== 'sig') return 'use must be "sig"';
  if (k.alg !== undefined && !(ASYMMETRIC_ALGS as readonly string[]).includes(k.alg as string)) {
    return `alg must be one of ${ASYMMETRIC_ALGS.join(', ')}`;
  }
  if (k.kid !== undefined && (typeof k.kid !== 'string' || k.kid === '')) return 'kid must be a non-empty string';
  let details;
  try {
    details = createPublicKey({ key: k as JsonWebKey, format: 'jwk' }).asymmetricKeyDetails;
  } catch {
    return 'not a valid public key';
  }
  if (k.kty === 'RSA') {
    const bits = details?.modulusLength ?? 0;
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
      return `an RSA modulus must have ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits (this one has ${bits})`;
    if ((details?.publicExponent ?? 0n) > RSA_MAX_EXPONENT) return 'an RSA public exponent must be at most 2^32 (65537 is usual)';
  }
  return undefined;
}

/** RFC 7591 §2 `jwks_uri`: https (http outside production, for local tests), absolute, without fragment. */
export function jwksUriProblems(uri: unknown, production: boolean): FieldProblem[] {
  const message = production ? 'jwks_uri must be an absolute https URL' : 'jwks_uri must be an absolute http(s) URL';
  if (typeof uri !== 'string' || !URL.canParse(uri)) return [{ field: 'jwks_uri', message }];
  const u = new URL(uri);
  const schemes = production ? ['https:'] : ['https:', 'http:'];
  if (!schemes.includes(u.protocol) || u.hash || u.username || u.password) return [{ field: 'jwks_uri', message }];
  return [];
}

/** `federated_credentials`: [{issuer, subject, audience?, claims?}] with string values. */
export function federatedCredentialProblems(list: unknown): FieldProblem[] {
  if (!Array.isArray(list)) return [{ field: 'federated_credentials', message: 'federated_credentials must be an array' }];
  const out: FieldProblem[] = [];
  if (list.length > MAX_FEDERATED_CREDENTIALS) {
    out.push({ field: 'federated_credentials', message: `at most ${MAX_FEDERATED_CREDENTIALS} federated credentials` });
  }
  list.forEach((c: unknown, i) => {
    const field = `federated_credentials.${i}`;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      out.push({ field, message: 'each federated credential must be an object {issuer, subject, audience?, claims?}' });
      return;
    }
    const cred = c as Record<string, unknown>;
    const unknown = Object.keys(cred).filter((k) => !['issuer', 'subject', 'audience', 'claims', 'claim_mappings'].includes(k));
    if (unknown.length) out.push({ field, message: `unknown field(s) ${unknown.join(', ')}` });
    if (!isText(cred.issuer) || !URL.canParse(cred.issuer)) out.push({ field: `${field}.issuer`, message: 'issuer must be a URL' });
    if (!isText(cred.subject)) out.push({ field: `${field}.subject`, message: 'subject must be a non-empty string' });
    if (cred.audience !== undefined && !isText(cred.audience)) {
      out.push({ field: `${field}.audience`, message: 'audience must be a non-empty string' });
    }
    if (cred.claims !== undefined) {
      const claims = cred.claims as Record<string, unknown>;
      const ok =
        typeof claims === 'object' &&
        claims !== null &&
        !Array.isArray(claims) &&
        Object.keys(claims).length <= MAX_CLAIM_CONDITIONS &&
        Object.entries(claims).every(([k, v]) => k !== '' && !RESERVED_CLAIMS.has(k) && typeof v === 'string');
      if (!ok) {
        out.push({
          field: `${field}.claims`,
          message: `claims must be an object of at most ${MAX_CLAIM_CONDITIONS} claim names (not iss, sub, aud, exp, nbf, iat, jti) to string values`,
        });
      }
    }
    if (cred.claim_mappings !== undefined) out.push(...claimMappingProblems(cred.claim_mappings, `${field}.claim_mappings`));
  });
  return out;
}

/** Claims checked by the credential itself or by the lifetime rules: a condition on them would mislead. */
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']);

function isText(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && v.length <= 2048;
}

/** The client as it would be after a change: what the method needs (RFC 7591 §2: jwks and jwks_uri never both). */
export function authMethodProblems(c: {
  method: TokenEndpointAuthMethod;
  jwks: JsonWebKeySet | null;
  jwksUri: string | null;
  federated: readonly FederatedCredential[];
}): FieldProblem[] {
  if (c.jwks !== null && c.jwksUri !== null) {
    return [{ field: 'jwks_uri', message: 'jwks and jwks_uri must not both be present (RFC 7591 §2); set the other to null' }];
  }
  const hasKeys = c.jwks !== null || c.jwksUri !== null || c.federated.length > 0;
  if (c.method === 'private_key_jwt' && !hasKeys) {
    return [{ field: 'token_endpoint_auth_method', message: 'private_key_jwt needs jwks, jwks_uri or at least one federated credential' }];
  }
  // Sender-constrained tokens: RFC 8705 §2.2, the certificate's key must be among the client's jwks or jwks_uri keys.
  if (c.method === 'self_signed_tls_client_auth') {
    if ((c.jwks !== null || c.jwksUri !== null) && c.federated.length === 0) return [];
    return [
      {
        field: 'jwks',
        message:
          'self_signed_tls_client_auth needs jwks (by value) holding the certificate’s public key, and no jwks_uri or federated credentials',
      },
    ];
  }
  if (c.method !== 'private_key_jwt' && hasKeys) {
    return [
      {
        field: c.jwks !== null ? 'jwks' : c.jwksUri !== null ? 'jwks_uri' : 'federated_credentials',
        message: 'keys and federated credentials are only used with token_endpoint_auth_method private_key_jwt',
      },
    ];
  }
  return [];
}

/** [{from, to}], each target once and never a claim the server sets itself. */
function claimMappingProblems(list: unknown, field: string): FieldProblem[] {
  if (!Array.isArray(list) || list.length > MAX_CLAIM_CONDITIONS) {
    return [{ field, message: `claim_mappings must be an array of at most ${MAX_CLAIM_CONDITIONS} {"from": claim, "to": claim}` }];
  }
  const out: FieldProblem[] = [];
  const targets = new Set<string>();
  list.forEach((m: unknown, i) => {
    const at = `${field}.${i}`;
    const map = m as Record<string, unknown>;
    if (typeof m !== 'object' || m === null || Array.isArray(m) || Object.keys(map).some((k) => k !== 'from' && k !== 'to')) {
      out.push({ field: at, message: 'each mapping must be {"from": claim of the workload token, "to": claim of the access token}' });
    } else if (!isText(map.from) || !isText(map.to) || map.to.length > 128) {
      out.push({ field: at, message: 'from and to must be non-empty claim names' });
    } else if (RESERVED_TOKEN_CLAIMS.has(map.to)) {
      out.push({ field: `${at}.to`, message: `"${map.to}" is a reserved claim the server sets itself; choose another name` });
    } else if (targets.has(map.to)) {
      out.push({ field: `${at}.to`, message: `"${map.to}" is the target of another mapping` });
    } else {
      targets.add(map.to);
    }
  });
  return out;
}
