import type { FieldProblem } from './client-admin.errors';

/*
 * Rules on what a client adds to its access tokens (static claims) and on what it may obtain for others by token
 * exchange (RFC 8693), pure so the admin API, the CLI and unit tests share them.
 */

/**
 * Claims the server itself sets or that carry a protocol meaning: RFC 7519 §4.1 registered claims, RFC 9068 §2.2
 * (client_id, scope), RFC 7800 `cnf`, RFC 8693 §4.1/§4.4 `act` and `may_act`, and the subject chain of an exchanged
 * token. A client (or a hook, or a federation mapping) setting one could impersonate another client or widen a grant.
 */
export const RESERVED_TOKEN_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'client_id',
  'scope',
  'cnf',
  'act',
  'may_act',
  'exchanged_from',
]);

/** RFC 7519 §4: a claim name is a string; control characters would only confuse log lines and resource servers. */
const CLAIM_NAME = /^[^\p{Cc}]{1,128}$/u;

/** Claim names to JSON values (RFC 8259; objects and arrays are `object`, which TypeORM's column types accept). */
export type TokenClaims = Record<string, string | number | boolean | null | object>;

/** `token_claims`: a JSON object of claims every access token of the client carries, at most `maxBytes` as JSON. */
export function tokenClaimsProblems(value: unknown, maxBytes: number, field = 'token_claims'): FieldProblem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field, message: `${field} must be a JSON object of claim names to values` }];
  }
  const out: FieldProblem[] = [];
  for (const name of Object.keys(value)) {
    if (RESERVED_TOKEN_CLAIMS.has(name)) {
      out.push({ field: `${field}.${name}`, message: `"${name}" is a reserved claim the server sets itself; choose another name` });
    } else if (!CLAIM_NAME.test(name)) {
      out.push({ field: `${field}.${name.slice(0, 64)}`, message: 'a claim name must be 1 to 128 characters without control characters' });
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > maxBytes) {
    out.push({ field, message: `${field} must be at most ${maxBytes} bytes as JSON (TOKEN_CLAIMS_MAX_BYTES); it is ${bytes}` });
  }
  return out;
}

/** What a client may obtain on behalf of others by token exchange (RFC 8693); null: it may not exchange tokens. */
export interface TokenExchangePolicy {
  /** Audiences (RFC 8707 resources) the exchanged tokens may name; the first is the default. */
  audiences: string[];
  /** Scopes the exchanged tokens may carry, further narrowed to the subject token's. */
  scopes: string[];
}

const MAX_POLICY_ENTRIES = 50;

export function tokenExchangeProblems(value: unknown): FieldProblem[] {
  const field = 'token_exchange';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field, message: 'token_exchange must be an object {"audiences": [...], "scopes": [...]} or null' }];
  }
  const v = value as Record<string, unknown>;
  const out: FieldProblem[] = [];
  const unknown = Object.keys(v).filter((k) => k !== 'audiences' && k !== 'scopes');
  if (unknown.length) out.push({ field, message: `unknown field(s) ${unknown.join(', ')}` });
  if (!textList(v.audiences, /^[^\s\p{Cc}]{1,2048}$/u) || v.audiences.length === 0) {
    out.push({ field: `${field}.audiences`, message: `audiences must list 1 to ${MAX_POLICY_ENTRIES} distinct audience URIs` });
  }
  // RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E.
  if (!textList(v.scopes, /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/)) {
    out.push({ field: `${field}.scopes`, message: `scopes must list at most ${MAX_POLICY_ENTRIES} distinct scope tokens (RFC 6749 §3.3)` });
  }
  return out;
}

function textList(v: unknown, pattern: RegExp): v is string[] {
  return (
    Array.isArray(v) &&
    v.length <= MAX_POLICY_ENTRIES &&
    new Set(v).size === v.length &&
    v.every((s) => typeof s === 'string' && pattern.test(s))
  );
}
