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
 * The per-client budget of verification work. Only failures spend it: a valid assertion costs one verification
 * (the kid rule and the key limits see to that), like any other authentication, while failures are what an
 * attacker can repeat at will. A client id whose budget is spent is answered 429 with Retry-After before any
 * signature is checked, until the budget refills (two per second).
 */
@Injectable()
export class VerificationBudget {
  private readonly failures: TokenBuckets;

  constructor(clock: Clock) {
    this.failures = new TokenBuckets(FAILED_VERIFICATIONS_PER_MINUTE, FAILED_VERIFICATIONS_PER_MINUTE, MAX_TRACKED, () => clock.now());
  }

  /** Throws TooManyRequests when `clientId` has no budget left. */
  admit(clientId: string): void {
    const key = boundedKey(clientId);
    if (this.failures.level(key) < 1) {
      throw new TooManyRequests(this.failures.secondsUntilToken(key), 'verification budget of this client id spent');
    }
  }

  failed(clientId: string): void {
    this.failures.add(boundedKey(clientId), -1);
  }
}
