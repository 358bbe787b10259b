import { Clock } from '@app/config';
import { Injectable } from '@nestjs/common';
import { TooManyRequests } from '../../errors';
import { boundedKey, TokenBuckets } from '../../throttle/token-buckets';

/**
 * Failed signature verifications one client id may cost per minute, from all sources together (the throttle
 * bounds each source; this bounds what many sources can spend on one client's keys).
 */
const FAILED_VERIFICATIONS_PER_MINUTE = 120;
const MAX_TRACKED = 10_000;

/**
 * The per-client budget of failed verifications. A verification is cheap and bounded (the kid rule and the key
 * limits make it one signature check of at most RSA-4096, under half a millisecond, less than signing a token), so
 * every assertion is still checked: a valid one is never refused because strangers spent its client id's budget.
 * A failure past the budget is answered 429 with Retry-After instead of 401, until the budget refills (two per
 * second), so a botnet cycling through addresses is told to back off per client id, not only per source.
 */
@Injectable()
export class VerificationBudget {
  private readonly failures: TokenBuckets;

  constructor(clock: Clock) {
    this.failures = new TokenBuckets(FAILED_VERIFICATIONS_PER_MINUTE, FAILED_VERIFICATIONS_PER_MINUTE, MAX_TRACKED, () => clock.now());
  }

  /** Records a failed verification; throws TooManyRequests when `clientId` had no budget left for it. */
  failed(clientId: string): void {
    const key = boundedKey(clientId);
    const spent = this.failures.level(key) < 1;
    this.failures.add(key, -1);
    if (spent) throw new TooManyRequests(this.failures.secondsUntilToken(key), 'verification budget of this client id spent');
  }
}
