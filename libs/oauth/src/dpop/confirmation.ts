/**
 * The `cnf` claim of a sender-constrained token: the RFC 7638 thumbprint of a DPoP key (RFC 9449 §6.1) or the
 * SHA-256 thumbprint of a client certificate (RFC 8705 §3.1). A token carries at most one.
 */
export type Confirmation = { jkt: string } | { 'x5t#S256': string };

/** The binding as one string, so that token reuse never hands a token bound to one key to a request proving another. */
export function confirmationKey(cnf: Confirmation | undefined): string {
  if (cnf === undefined) return 'bearer';
  return 'jkt' in cnf ? `jkt:${cnf.jkt}` : `x5t:${cnf['x5t#S256']}`;
}
