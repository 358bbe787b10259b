/** Why an assertion was refused: named in the security log, never sent as such. */
export type AssertionReason =
  | 'malformed'
  | 'alg_not_allowed'
  | 'unknown_client'
  | 'client_disabled'
  | 'method_mismatch'
  | 'client_id_mismatch'
  | 'issuer_mismatch'
  | 'subject_mismatch'
  | 'wrong_audience'
  | 'missing_exp'
  | 'expired'
  | 'lifetime_too_long'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'missing_jti'
  | 'replayed'
  | 'unknown_kid'
  | 'kid_required'
  | 'bad_signature'
  | 'keys_unavailable'
  | 'secret_unavailable'
  | 'untrusted_issuer'
  | 'claim_condition';

/**
 * Failures whose text would tell a stranger something about a client id: whether it exists, is enabled, which
 * method, algorithm, keys or federated credentials it has. They all answer NOT_RECOGNISED, the same words an
 * unknown id gets, so error descriptions cannot enumerate clients; the real reason goes to the warn log only.
 * Checks that do not depend on the client (format, claims, timing) keep their own description.
 */
const WHO_ARE_YOU: ReadonlySet<AssertionReason> = new Set<AssertionReason>([
  'unknown_client',
  'client_disabled',
  'method_mismatch',
  'untrusted_issuer',
  'unknown_kid',
  'bad_signature',
  'secret_unavailable',
]);

const NOT_RECOGNISED = 'unknown client, or the assertion does not match its registration (method, keys, federated credentials)';

/**
 * An assertion failed a check (RFC 7521 §4.2.1: invalid_client). `description` is what the client is told: it
 * helps the client's developer and names no key, internal state, or fact about a client id. `detail` and `reason`
 * go to the logs.
 */
export class AssertionRejected extends Error {
  readonly description: string;
  /** Whether `description` hides `detail` (see WHO_ARE_YOU). */
  readonly hidden: boolean;

  constructor(
    readonly reason: AssertionReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'AssertionRejected';
    this.hidden = WHO_ARE_YOU.has(reason);
    this.description = this.hidden ? NOT_RECOGNISED : detail;
  }
}
