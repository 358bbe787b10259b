/**
 * Per-instance circuit breaker for a remote dependency on the token path: after `threshold` consecutive failures
 * it opens for `openMs`, during which no call is made; then one trial call decides (success closes it, failure
 * opens it again). A dead dependency so costs one timeout per interval, not one per request. Time is passed in.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly openMs: number,
  ) {}

  /** Whether a call may be made at `nowMs`; true for the one trial after the open interval. */
  allow(nowMs: number): boolean {
    if (this.failures < this.threshold) return true;
    if (nowMs < this.openUntil || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
  }

  failure(nowMs: number): void {
    this.failures++;
    this.trialInFlight = false;
    if (this.failures >= this.threshold) this.openUntil = nowMs + this.openMs;
  }

  get state(): 'closed' | 'open' {
    return this.failures >= this.threshold ? 'open' : 'closed';
  }
}
