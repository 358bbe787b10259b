import type { TokenExchangePolicy } from '@app/clients';
import { InvalidRequest, InvalidScope } from '../errors';
import type { SubjectLink } from '../token/access-token.verifier';

/** RFC 8693 §3 token type identifiers this server takes and issues. */
export const TOKEN_TYPE = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
} as const;

/** Accepted as subject_token_type and actor_token_type: a token of this server or a JWT of a trusted issuer. */
export const SUBJECT_TOKEN_TYPES: readonly string[] = [TOKEN_TYPE.accessToken, TOKEN_TYPE.jwt, TOKEN_TYPE.idToken];
/** Accepted as requested_token_type: the access tokens issued are JWTs, so both names fit. */
export const ISSUED_TOKEN_TYPES: readonly string[] = [TOKEN_TYPE.accessToken, TOKEN_TYPE.jwt];

/** What a verified subject or actor token says about the party it names. */
export interface TokenParty {
  sub: string;
  /** The token's issuer: this server, or a trusted issuer. */
  iss: string;
  scopes: string[];
  exp: number;
  /** RFC 8693 §4.1: the actor chain the token carries already. */
  act?: Record<string, unknown>;
  /** RFC 8693 §4.4: who may act for this party. */
  mayAct?: Record<string, unknown>;
  /** For a token of this server: its own link, after those it derives from. */
  chain?: SubjectLink[];
  /** Non-reserved claims a token of this server carries (the subject client's static claims). */
  claims?: Record<string, unknown>;
}

/** Tokens derived from tokens derived from…: a bound keeps `act` and `exchanged_from` (and introspection) small. */
export const MAX_DELEGATION_DEPTH = 5;

/**
 * The scopes of the exchanged token: never beyond what the subject token had and the client's policy allows
 * (RFC 8693 §1.1, "narrowed"); requested ones must all be within that, none requested means all of it.
 */
export function exchangedScopes(requested: string[] | undefined, subject: readonly string[], policy: TokenExchangePolicy): string[] {
  const allowed = subject.filter((s) => policy.scopes.includes(s));
  if (requested === undefined) return allowed;
  const refused = requested.filter((s) => !allowed.includes(s));
  if (refused.length) {
    throw new InvalidScope(
      `The requested scope exceeds what the subject token and this client's exchange policy allow: ${refused.join(' ')}`,
    );
  }
  return requested;
}

/**
 * RFC 8693 §4.4: when the subject token names who may act for it, the actor must be that party (its `sub`, and
 * its `iss` when may_act names one). §2.2.2: a token unacceptable by policy is invalid_request.
 */
export function checkMayAct(subject: TokenParty, actor: Pick<TokenParty, 'sub' | 'iss'>): void {
  const may = subject.mayAct;
  if (may === undefined) return;
  if (may.sub !== actor.sub || (may.iss !== undefined && may.iss !== actor.iss)) {
    throw new InvalidRequest('The subject token does not allow this actor to act on its behalf (may_act, RFC 8693 §4.4)');
  }
}

/**
 * RFC 8693 §4.1 `act`: the current actor, with the subject token's own `act` nested inside as the prior actors.
 * `iss` is named only for an actor of another issuer (a `sub` is unique per issuer).
 */
export function actClaim(
  actor: Pick<TokenParty, 'sub' | 'iss'>,
  ourIssuer: string,
  prior: Record<string, unknown> | undefined,
): Record<string, unknown> {
  return { sub: actor.sub, ...(actor.iss !== ourIssuer ? { iss: actor.iss } : {}), ...(prior ? { act: prior } : {}) };
}

/** How many actors an `act` claim nests. */
export function actDepth(act: Record<string, unknown> | undefined): number {
  let depth = 0;
  for (let a: unknown = act; typeof a === 'object' && a !== null; a = (a as Record<string, unknown>).act) depth++;
  return depth;
}
