import type { FederatedCredential } from '@app/clients';
import { AssertionRejected } from './assertion-rejected';

/*
 * The claim checks of client assertions, pure (the time is passed in) so each rule has a unit test. Each throws
 * AssertionRejected naming the first rule broken.
 */

export type JwtClaims = Record<string, unknown>;

export interface TimeRules {
  /** Seconds since the epoch. */
  now: number;
  skew: number;
}

/** `aud` must hold exactly one value, and that one accepted (draft-ietf-oauth-rfc7523bis: the issuer identifier). */
export function checkAudience(claims: JwtClaims, accepted: readonly string[]): void {
  const aud = claims.aud;
  const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (values.length !== 1 || typeof values[0] !== 'string' || !accepted.includes(values[0])) {
    throw new AssertionRejected('wrong_audience', `aud must be exactly "${accepted[0]}", as its only value`);
  }
}

function numeric(claims: JwtClaims, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new AssertionRejected('malformed', `${name} must be a NumericDate`);
  return v;
}

/** exp present and not passed, nbf and iat not in the future; returns them. */
function checkTimes(claims: JwtClaims, t: TimeRules): { exp: number; iat?: number; nbf?: number } {
  const exp = numeric(claims, 'exp');
  const iat = numeric(claims, 'iat');
  const nbf = numeric(claims, 'nbf');
  if (exp === undefined) throw new AssertionRejected('missing_exp', 'the assertion must carry exp (RFC 7523 §3)');
  if (exp + t.skew <= t.now) throw new AssertionRejected('expired', 'the assertion has expired (exp)');
  if (nbf !== undefined && nbf - t.skew > t.now) throw new AssertionRejected('not_yet_valid', 'the assertion is not valid yet (nbf)');
  if (iat !== undefined && iat - t.skew > t.now) throw new AssertionRejected('issued_in_future', 'iat lies in the future');
  return { exp, iat, nbf };
}

/**
 * A client's own assertion (RFC 7523 §3): iss = sub = the client id, exp at most `maxLifetime` seconds ahead, and a
 * jti to make it single-use. Returns exp and jti for the replay check.
 */
export function checkClientAssertion(
  claims: JwtClaims,
  rules: TimeRules & { clientId: string; audiences: readonly string[]; maxLifetime: number },
): { exp: number; jti: string } {
  if (claims.iss !== rules.clientId) throw new AssertionRejected('issuer_mismatch', 'iss must be the client_id');
  if (claims.sub !== rules.clientId) throw new AssertionRejected('subject_mismatch', 'sub must be the client_id (RFC 7523 §3)');
  checkAudience(claims, rules.audiences);
  const { exp } = checkTimes(claims, rules);
  if (exp - rules.now > rules.maxLifetime + rules.skew) {
    throw new AssertionRejected('lifetime_too_long', `exp must be at most ${rules.maxLifetime} seconds ahead`);
  }
  const jti = claims.jti;
  if (typeof jti !== 'string' || jti === '' || jti.length > 512) {
    throw new AssertionRejected('missing_jti', 'the assertion must carry a jti of at most 512 characters');
  }
  return { exp, jti };
}

/** A claim condition holds when the claim is that exact string (numbers and booleans compared as text). */
export function claimHolds(value: unknown, expected: string): boolean {
  return (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && String(value) === expected;
}

/**
 * A platform token against the client's federated credentials (a profile beyond RFC 7523, whose §3 wants sub = the
 * client id): a credential of this issuer with this exact subject, aud exactly its audience (default: our issuer
 * identifier), every claim condition met; lifetime exp − iat (exp − nbf without iat) within the issuer's maximum.
 */
export function checkFederatedAssertion(
  claims: JwtClaims,
  creds: readonly FederatedCredential[],
  rules: TimeRules & { issuer: string; defaultAudience: string; maxLifetime: number; requireJti: boolean },
): { exp: number; jti: string | undefined; credential: FederatedCredential } {
  const ofIssuer = creds.filter((c) => c.issuer === rules.issuer);
  const bySubject = ofIssuer.filter((c) => c.subject === claims.sub);
  if (bySubject.length === 0) throw new AssertionRejected('subject_mismatch', 'no federated credential of this client matches the token');
  const { exp, iat, nbf } = checkTimes(claims, rules);
  const start = iat ?? nbf;
  if (start === undefined) throw new AssertionRejected('malformed', 'the token must carry iat or nbf');
  if (exp - start > rules.maxLifetime) {
    throw new AssertionRejected('lifetime_too_long', `the token lives longer than the ${rules.maxLifetime} seconds this issuer allows`);
  }
  let first: AssertionRejected | undefined;
  for (const credential of bySubject) {
    try {
      checkAudience(claims, [credential.audience ?? rules.defaultAudience]);
      const failed = Object.entries(credential.claims ?? {}).find(([name, want]) => !claimHolds(claims[name], want));
      if (failed) throw new AssertionRejected('claim_condition', `the token's ${failed[0]} claim does not meet the credential's condition`);
    } catch (err) {
      first ??= err as AssertionRejected;
      continue;
    }
    const jti = typeof claims.jti === 'string' && claims.jti !== '' && claims.jti.length <= 512 ? claims.jti : undefined;
    if (rules.requireJti && jti === undefined) throw new AssertionRejected('missing_jti', 'this issuer requires a jti (replay protection)');
    return { exp, jti, credential };
  }
  throw first as AssertionRejected;
}
