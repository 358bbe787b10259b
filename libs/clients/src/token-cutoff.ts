import type { ClientEntity } from './client.entity';

/** Why a client's tokens were cut off; recorded in the audit trail. */
export type CutoffReason = 'disabled' | 'secret_rotated' | 'revoked';

/** The cut-off second of an instant: tokens with `iat` ≤ this are inactive. */
export function cutoffSecond(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}

/**
 * True when a token of this client issued at `iat` (seconds) was cut off by the operator. `iat` has whole
 * seconds (RFC 7519 §2 NumericDate), so a token issued in the same second as the cut-off is inactive too;
 * the client's next request gets a fresh one.
 */
export function isCutOff(client: Pick<ClientEntity, 'tokensRevokedBefore'>, iat: number): boolean {
  return client.tokensRevokedBefore !== null && iat <= cutoffSecond(client.tokensRevokedBefore);
}
