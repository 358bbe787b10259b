import { type AdmitHashing, type HashLane, HashingBusy } from '@app/clients';
import { AppConfig, Clock } from '@app/config';
import { Injectable } from '@nestjs/common';
import { TooManyRequests } from '../errors';
import { SecurityEvents } from './security-events';
import { boundedKey, TokenBuckets } from './token-buckets';

/** One client authentication as the throttle sees it. */
export interface ThrottledAttempt {
  /** Passed to ClientsService.authenticate: runs only when the secret needs hashing (no cached proof). */
  readonly admit: AdmitHashing;
  /** Turns a full hashing queue into the 429 answer; rethrows anything else. */
  shedIfBusy(err: unknown): never;
  /** Records the outcome: a failure is logged (its tokens stay spent), a success gives them back. */
  settle(authenticated: boolean): void;
}

/**
 * Throttles client-secret guessing before any password hashing (issue 8 §1): failures are counted per
 * (client id, source address) and per source address in token buckets (THROTTLE_*), per instance and with
 * bounded memory. Only requests that need hashing are counted or refused: one whose secret matches a digest
 * this instance already verified never reaches admit(), so guessing a client's id cannot lock it out.
 * It also picks the hashing lane: a client id and source without recent failures are newcomers, who get a
 * slot the others cannot take.
 */
@Injectable()
export class ClientAuthThrottle {
  private readonly perPair: TokenBuckets;
  private readonly perSource: TokenBuckets;
  /** Failures per client id from any source: only decides the lane, never refuses. */
  private readonly perClient: TokenBuckets;
  private readonly retryAfterSeconds: number;
  private throttled = 0;

  constructor(
    config: AppConfig,
    private readonly events: SecurityEvents,
    clock: Clock,
  ) {
    const t = config.throttle;
    const now = (): number => clock.now();
    this.perPair = new TokenBuckets(t.clientBurst, t.clientPerMinute, t.maxTracked, now);
    this.perSource = new TokenBuckets(t.sourceBurst, t.sourcePerMinute, t.maxTracked, now);
    this.perClient = new TokenBuckets(t.clientBurst, t.clientPerMinute, t.maxTracked, now);
    this.retryAfterSeconds = 1;
  }

  /** Requests refused so far (throttled or shed), cumulative, for metrics. */
  throttledTotal(): number {
    return this.throttled;
  }

  /** Buckets currently held (all kinds), to check that memory stays bounded. */
  trackedKeys(): number {
    return this.perPair.size + this.perSource.size + this.perClient.size;
  }

  /**
   * JWT assertions need no hashing, but a caller that keeps failing is refused (429) before any lookup or signature
   * check: an unknown client id would otherwise cost a database read per request. Only failures spend tokens, so a
   * client's valid assertions are never throttled, however many it sends at once.
   */
  assertionAttempt(clientId: string, source: string): { failed(): void } {
    const id = boundedKey(clientId);
    const pair = `${source} ${id}`;
    if (this.perPair.level(pair) < 1 || this.perSource.level(source) < 1) {
      const wait = Math.max(this.perPair.secondsUntilToken(pair), this.perSource.secondsUntilToken(source));
      this.throttled++;
      this.events.record('client_auth_throttled', source, clientId, `retry_after=${wait}`);
      throw new TooManyRequests(wait, `client assertions throttled for ${source}`);
    }
    return {
      failed: () => {
        this.perPair.add(pair, -1);
        this.perSource.add(source, -1);
        this.perClient.add(id, -1);
      },
    };
  }

  attempt(clientId: string, source: string): ThrottledAttempt {
    const id = boundedKey(clientId);
    const pair = `${source} ${id}`;
    let admitted = false;
    const admit = (): HashLane => {
      const lane: HashLane = this.perClient.full(id) && this.perSource.full(source) ? 'newcomer' : 'suspect';
      if (this.perPair.level(pair) < 1 || this.perSource.level(source) < 1) {
        const wait = Math.max(this.perPair.secondsUntilToken(pair), this.perSource.secondsUntilToken(source));
        this.throttled++;
        this.events.record('client_auth_throttled', source, clientId, `retry_after=${wait}`);
        throw new TooManyRequests(wait, `client authentication throttled for ${source}`);
      }
      // Spent up front, so concurrent guesses cannot all pass before the first one fails.
      this.perPair.add(pair, -1);
      this.perSource.add(source, -1);
      this.perClient.add(id, -1);
      admitted = true;
      return lane;
    };
    const refund = (): void => {
      if (!admitted) return;
      admitted = false;
      this.perPair.add(pair, 1);
      this.perSource.add(source, 1);
      this.perClient.add(id, 1);
    };
    return {
      admit,
      shedIfBusy: (err: unknown): never => {
        if (!(err instanceof HashingBusy)) throw err;
        refund();
        this.throttled++;
        this.events.record('client_auth_shed', source, clientId, `lane=${err.lane}`);
        throw new TooManyRequests(this.retryAfterSeconds, err.message);
      },
      settle: (authenticated: boolean): void => {
        if (authenticated) refund();
        else this.events.record('client_auth_failed', source, clientId);
      },
    };
  }
}
