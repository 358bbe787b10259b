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
  | 'bad_signature'
  | 'keys_unavailable'
  | 'secret_unavailable'
  | 'untrusted_issuer'
  | 'claim_condition';

/**
 * An assertion failed a check (RFC 7521 §4.2.1: invalid_client). `description` helps the client's developer and
 * names no key or internal state; `reason` goes to the security log.
 */
export class AssertionRejected extends Error {
  constructor(
    readonly reason: AssertionReason,
    readonly description: string,
  ) {
    super(`${reason}: ${description}`);
    this.name = 'AssertionRejected';
  }
}
