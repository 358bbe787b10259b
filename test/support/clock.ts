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

  /** Moves to `marginMs` past an instant (epoch ms, a Date or an ISO string), if it is not past already. */
  advancePast(at: number | Date | string, marginMs = 50): void {
    const atMs = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
    this.advance(Math.max(0, atMs - this.now()) + marginMs);
  }
}
