import { HashingBusy } from '@app/clients';
import { type Clock, parseConfig } from '@app/config';
import { TestClock } from '../../../../test/support/clock';
import type { ApiError } from '../errors';
import { ClientAuthThrottle } from './client-auth-throttle';
import { escapeForLog, SecurityEvents } from './security-events';
import { TokenBuckets } from './token-buckets';

function throttle(env: Record<string, string> = {}, clock: Clock = new TestClock()): ClientAuthThrottle {
  const config = parseConfig({ THROTTLE_CLIENT_BURST: '3', THROTTLE_SOURCE_BURST: '5', ...env });
  return new ClientAuthThrottle(config, new SecurityEvents(config, clock), clock);
}

/** One failed authentication: admitted to hashing, then failed. Returns the lane, or the refusal. */
function fail(t: ClientAuthThrottle, id: string, source: string): string {
  const a = t.attempt(id, source);
  try {
    const lane = a.admit();
    a.settle(false);
    return lane;
  } catch (e) {
    const err = e as ApiError;
    return `${err.status} ${err.error} retry-after=${err.headers['Retry-After']}`;
  }
}

describe('ClientAuthThrottle', () => {
  it('throttles JWT assertions only after failures, never for successes however many at once', () => {
    const t = throttle();
    for (let i = 0; i < 20; i++) t.assertionAttempt('ok', '10.0.0.1');
    for (let i = 0; i < 3; i++) t.assertionAttempt('bad', '10.0.0.1').failed();
    let refusal: ApiError | undefined;
    try {
      t.assertionAttempt('bad', '10.0.0.1');
    } catch (e) {
      refusal = e as ApiError;
    }
    expect(refusal?.status).toBe(429);
    expect(refusal?.headers['Retry-After']).toBe('10');
    expect(() => t.assertionAttempt('ok', '10.0.0.1')).not.toThrow();
    expect(() => t.assertionAttempt('bad', '10.0.0.2')).not.toThrow();
    expect(t.throttledTotal()).toBe(1);
  });

  it('refuses with 429 temporarily_unavailable once a (client id, source) pair used its burst', () => {
    const t = throttle();
    expect([1, 2, 3].map(() => fail(t, 'c', '10.0.0.1'))).toEqual(['newcomer', 'suspect', 'suspect']);
    expect(fail(t, 'c', '10.0.0.1')).toBe('429 temporarily_unavailable retry-after=10');
    // Another source guessing the same id is counted apart; the id itself is a failing id now.
    expect(fail(t, 'c', '10.0.0.2')).toBe('suspect');
    expect(t.throttledTotal()).toBe(1);
  });

  it('admits the pair again once the Retry-After it answered has passed on its clock, not before', () => {
    const clock = new TestClock();
    const t = throttle({}, clock);
    for (let i = 0; i < 3; i++) fail(t, 'c', '10.0.0.1');
    expect(fail(t, 'c', '10.0.0.1')).toBe('429 temporarily_unavailable retry-after=10');
    clock.advance(9_000);
    expect(fail(t, 'c', '10.0.0.1')).toBe('429 temporarily_unavailable retry-after=1');
    clock.advance(1_000);
    expect(fail(t, 'c', '10.0.0.1')).toBe('suspect');
    expect(fail(t, 'c', '10.0.0.1')).toBe('429 temporarily_unavailable retry-after=10');
  });

  it('refuses a source that spreads its failures over many client ids', () => {
    const t = throttle();
    const lanes = [1, 2, 3, 4, 5, 6].map((i) => fail(t, `id-${i}`, '10.0.0.9'));
    expect(lanes.slice(0, 5)).toEqual(['newcomer', 'suspect', 'suspect', 'suspect', 'suspect']);
    expect(lanes[5]).toMatch(/^429 temporarily_unavailable retry-after=\d+$/);
  });

  it('gives the tokens back on success, so a client that authenticates is never worn down', () => {
    const t = throttle();
    for (let i = 0; i < 20; i++) {
      const a = t.attempt('good', '10.0.0.3');
      expect(a.admit()).toBe('newcomer');
      a.settle(true);
    }
    expect(t.trackedKeys()).toBe(0);
  });

  it('turns a full hashing queue into a 429 and gives the tokens back', () => {
    const t = throttle();
    const a = t.attempt('c', '10.0.0.4');
    a.admit();
    expect(() => a.shedIfBusy(new HashingBusy('suspect'))).toThrow(
      expect.objectContaining({ status: 429, error: 'temporarily_unavailable' }),
    );
    expect(t.trackedKeys()).toBe(0);
    expect(t.throttledTotal()).toBe(1);
    const other = new Error('database down');
    expect(() => t.attempt('c', '10.0.0.4').shedIfBusy(other)).toThrow(other);
  });

  it('keeps its memory bounded whatever the number of client ids', () => {
    const t = throttle({ THROTTLE_MAX_TRACKED: '100', THROTTLE_SOURCE_BURST: '1000000' });
    for (let i = 0; i < 5000; i++) fail(t, `random-${i}-${'x'.repeat(i % 500)}`, `10.1.${i % 250}.${i % 7}`);
    expect(t.trackedKeys()).toBeLessThanOrEqual(300);
  });
});

describe('TokenBuckets', () => {
  it('refills over time and forgets a full bucket', () => {
    let now = 0;
    const b = new TokenBuckets(2, 60, 10, () => now);
    b.add('k', -2);
    expect(b.level('k')).toBe(0);
    expect(b.secondsUntilToken('k')).toBe(1);
    now += 1500;
    expect(b.level('k')).toBeCloseTo(1.5);
    now += 500;
    expect(b.full('k')).toBe(true);
    expect(b.size).toBe(0);
  });
});

describe('escapeForLog', () => {
  it('escapes control characters, quotes and line separators, and cuts long values', () => {
    expect(escapeForLog('a\nb\r\u0000"\\\u2028\u009b')).toBe('a\\u000ab\\u000d\\u0000\\u0022\\u005c\\u2028\\u009b');
    expect(escapeForLog('x'.repeat(300))).toBe(`${'x'.repeat(200)}…(300 chars)`);
  });
});
