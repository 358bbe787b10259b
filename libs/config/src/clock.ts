/**
 * The one time source of every lib: provided by AppConfigModule (SystemClock), injected where a test must move
 * time (token `iat`/`exp`, grace periods, tombstones, revocation expiry).
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
