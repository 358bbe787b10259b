import { Clock } from '@app/config';

/**
 * The system time plus an offset that a test moves forward, so a TTL, grace window or gap timer runs out at once
 * instead of after a sleep. Time keeps flowing between moves, as it does for the database the test also uses.
 */
export class TestClock extends Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
