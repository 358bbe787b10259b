/**
 * The one time source of every lib: provided by AppConfigModule (SystemClock), injected where a test must move
 * time (token `iat`/`exp`, secret grace windows, client tombstones and cut-offs, cache TTLs, throttle refill,
 * revocation expiry, the change feed's gap and outage timers). The key lifecycle alone decides on the database's
 * clock (`clock_timestamp()`), so that instances sharing a database agree on when a key may sign.
 */
export abstract class Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  abstract now(): number;

  /** Whole seconds since the epoch (JWT NumericDate, RFC 7519 §2). */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
