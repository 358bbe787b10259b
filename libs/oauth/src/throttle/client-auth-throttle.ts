import { type ClientEntity, type HashLane, HashingBusy, type SecretCheckOptions } from '@app/clients';
import { Clock, ThrottleConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { InvalidClient, InvalidGrant, TooManyRequests } from '../errors';
import type { PresentedCredentials } from '../client-auth/extract';
import { SecurityEvents } from './security-events';
import { boundedKey, TokenBuckets } from './token-buckets';

/**
 * The throttle around client authentication, as a decorator of the check itself. The order of events:
 *   1. the proof is checked first whenever checking is cheap (a fast-digest secret, a secret proven before, an
 *      assertion's signature): a client that presents a valid proof is never refused, whoever else failed;
 *   2. before a slow hash (scrypt, only for supplied secrets not proven on this instance) the request must be
 *      admitted: its (client id, source) pair and its source address must have failures left, and the client id
 *      its per-minute budget of slow verifications from all sources (THROTTLE_SLOW_PER_MINUTE); else 429 at once.
 *      The lane it waits in says whether the id or the source failed recently;
 *   3. a failure spends one token of the pair, the source and the id; once the pair or the source has none left,
 *      the answer is 429 with Retry-After instead of 401. A success gives back the slow budget it took.
 * A grant taken without client authentication (RFC 7523 §3.1, the JWT bearer grant) goes through
 * `aroundUnauthenticated`: the same rule 3 per source, counting its invalid_grant answers.
 * Buckets are per instance, bounded (THROTTLE_MAX_TRACKED), and a full bucket takes no memory.
 */
@Injectable()
export class ClientAuthThrottle {
  private readonly perPair: TokenBuckets;
  private readonly perSource: TokenBuckets;
  /** Failures per client id from any source: only decides the lane, never refuses. */
  private readonly perClient: TokenBuckets;
  /** Slow-hash verifications per client id from any source. */
  private readonly slowPerClient: TokenBuckets;
  private throttled = 0;

  constructor(
    throttle: ThrottleConfig,
    private readonly events: SecurityEvents,
    clock: Clock,
  ) {
    const t = throttle;
    const now = (): number => clock.now();
    this.perPair = new TokenBuckets(t.clientBurst, t.clientPerMinute, t.maxTracked, now);
    this.perSource = new TokenBuckets(t.sourceBurst, t.sourcePerMinute, t.maxTracked, now);
    this.perClient = new TokenBuckets(t.clientBurst, t.clientPerMinute, t.maxTracked, now);
    this.slowPerClient = new TokenBuckets(t.slowPerMinute, t.slowPerMinute, t.maxTracked, now);
  }

  /** Requests refused so far (throttled or shed), cumulative, for metrics. */
  throttledTotal(): number {
    return this.throttled;
  }

  /** Buckets currently held (all kinds), to check that memory stays bounded. */
  trackedKeys(): number {
    return this.perPair.size + this.perSource.size + this.perClient.size + this.slowPerClient.size;
  }

  /** Runs `check` for these credentials from `source` under the throttle (see the class comment for the order). */
  async around(
    creds: PresentedCredentials,
    source: string,
    signal: AbortSignal | undefined,
    check: (opts: SecretCheckOptions) => Promise<ClientEntity>,
  ): Promise<ClientEntity> {
    const id = boundedKey(creds.clientId);
    const pair = `${source} ${id}`;
    let slowTaken = false;
    const admitSlow = (): HashLane => {
      if (this.perPair.level(pair) < 1 || this.perSource.level(source) < 1 || this.slowPerClient.level(id) < 1) {
        const wait = Math.max(
          this.perPair.secondsUntilToken(pair),
          this.perSource.secondsUntilToken(source),
          this.slowPerClient.secondsUntilToken(id),
        );
        throw this.refuse(source, creds.clientId, wait, 'client_auth_throttled', `slow verification throttled for ${source}`);
      }
      // Taken up front, so concurrent guesses cannot all pass before the first one fails.
      this.slowPerClient.add(id, -1);
      slowTaken = true;
      return this.perClient.full(id) && this.perSource.full(source) ? 'newcomer' : 'suspect';
    };
    try {
      const client = await check({ admitSlow, signal });
      if (slowTaken) this.slowPerClient.add(id, 1);
      return client;
    } catch (err) {
      if (err instanceof HashingBusy) throw this.refuse(source, creds.clientId, 1, 'client_auth_shed', err.message, `lane=${err.lane}`);
      if (!(err instanceof InvalidClient)) throw err;
      const spent = this.perPair.level(pair) < 1 || this.perSource.level(source) < 1;
      this.perPair.add(pair, -1);
      this.perSource.add(source, -1);
      this.perClient.add(id, -1);
      const event = creds.proof.kind === 'assertion' ? 'client_assertion_rejected' : 'client_auth_failed';
      this.events.record(event, source, creds.clientId, err.debug);
      if (!spent) throw err;
      const wait = Math.max(this.perPair.secondsUntilToken(pair), this.perSource.secondsUntilToken(source));
      throw this.refuse(source, creds.clientId, wait, 'client_auth_throttled', `client authentication throttled for ${source}`);
    }
  }

  /**
   * Runs a grant that arrived without client authentication. Its assertion is its proof and is always checked
   * (a valid one is never refused); each invalid_grant spends one token of the source (the bucket client
   * authentication failures spend too, so failing one way does not buy a fresh allowance the other way), and once
   * the source has none left the answer is 429 with Retry-After instead of 400.
   */
  async aroundUnauthenticated<T>(source: string, grant: () => Promise<T>): Promise<T> {
    try {
      return await grant();
    } catch (err) {
      if (!(err instanceof InvalidGrant)) throw err;
      const spent = this.perSource.level(source) < 1;
      this.perSource.add(source, -1);
      this.events.record('grant_assertion_rejected', source, '', err.debug ?? err.description);
      if (!spent) throw err;
      const wait = this.perSource.secondsUntilToken(source);
      throw this.refuse(source, '', wait, 'client_auth_throttled', `unauthenticated grant throttled for ${source}`);
    }
  }

  private refuse(
    source: string,
    clientId: string,
    wait: number,
    event: 'client_auth_throttled' | 'client_auth_shed',
    debug: string,
    detail = `retry_after=${wait}`,
  ): TooManyRequests {
    this.throttled++;
    this.events.record(event, source, clientId, detail);
    return new TooManyRequests(wait, debug);
  }
}
