/** Injectable time source, so tests can pin `iat`/`exp`. */
export abstract class Clock {
  /** Seconds since the epoch. */
  abstract nowSeconds(): number;
}

export class SystemClock extends Clock {
  nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }
}
