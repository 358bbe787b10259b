import { type ClientEntity, HashingBusy } from '@app/clients';
import { type Clock, parseConfig } from '@app/config';
import { TestClock } from '../../../../test/support/clock';
import type { PresentedCredentials } from '../client-auth/extract';
import { type ApiError, InvalidClient, InvalidGrant } from '../errors';
import { ClientAuthThrottle } from './client-auth-throttle';
import { escapeForLog, SecurityEvents } from './security-events';
import { TokenBuckets } from './token-buckets';

function throttle(env: Record<string, string> = {}, clock: Clock = new TestClock()): ClientAuthThrottle {
  const config = parseConfig({ THROTTLE_CLIENT_BURST: '3', THROTTLE_SOURCE_BURST: '5', ...env });
  return new ClientAuthThrottle(config.throttle, new SecurityEvents(config.throttle, clock), clock);
}

const secretOf = (clientId: string): PresentedCredentials => ({
  method: 'client_secret_basic',
  clientId,
  proof: { kind: 'secret', secret: 's' },
});
const assertionOf = (clientId: string): PresentedCredentials => ({
  method: 'jwt_assertion',
  clientId,
  proof: { kind: 'assertion', assertion: 'a.b.c', bodyClientId: undefined },
});
const CLIENT = { clientId: 'c' } as ClientEntity;
const refused = (e: unknown): string => {
  const err = e as ApiError;
  return `${err.status} ${err.error} retry-after=${err.headers['Retry-After']}`;
};

/** One authentication through the throttle: the proof checks `outcome`, after a slow hash when `slow`. */
async function attempt(
  t: ClientAuthThrottle,
  creds: PresentedCredentials,
  source: string,
  outcome: 'ok' | 'fail' | 'busy',
  slow = true,
): Promise<string> {
  let lane = 'no slow hash';
  try {
    await t.around(creds, source, undefined, async ({ admitSlow }) => {
      if (slow && admitSlow) lane = admitSlow();
      if (outcome === 'busy') throw new HashingBusy('suspect');
      if (outcome === 'fail') throw new InvalidClient('realm', 'wrong secret');
      return CLIENT;
    });
    return `200 ${lane}`;
  } catch (e) {
    return e instanceof InvalidClient ? `401 ${lane}` : refused(e);
  }
}

describe('ClientAuthThrottle', () => {
  it('checks cheap proofs before refusing: a valid assertion passes a throttled source, junk gets 429', async () => {
    const t = throttle();
    for (let i = 0; i < 3; i++) expect(await attempt(t, assertionOf('bad'), '10.0.0.1', 'fail', false)).toBe('401 no slow hash');
    expect(await attempt(t, assertionOf('bad'), '10.0.0.1', 'fail', false)).toBe('429 temporarily_unavailable retry-after=10');
    // The same source with a valid assertion for a client of its own is served: only failures are counted.
    for (let i = 0; i < 20; i++) expect(await attempt(t, assertionOf('bad'), '10.0.0.1', 'ok', false)).toBe('200 no slow hash');
    expect(await attempt(t, assertionOf('bad'), '10.0.0.2', 'fail', false)).toBe('401 no slow hash');
    expect(t.throttledTotal()).toBe(1);
  });

  it('refuses slow hashing with 429 at once once a (client id, source) pair used its burst, and says which lane', async () => {
    const t = throttle();
    expect(await attempt(t, secretOf('c'), '10.0.0.1', 'fail')).toBe('401 newcomer');
    expect(await attempt(t, secretOf('c'), '10.0.0.1', 'fail')).toBe('401 suspect');
    expect(await attempt(t, secretOf('c'), '10.0.0.1', 'fail')).toBe('401 suspect');
    expect(await attempt(t, secretOf('c'), '10.0.0.1', 'fail')).toBe('429 temporarily_unavailable retry-after=10');
    // Another source guessing the same id is counted apart; the id itself is a failing id now.
    expect(await attempt(t, secretOf('c'), '10.0.0.2', 'fail')).toBe('401 suspect');
    expect(t.throttledTotal()).toBe(1);
  });

  it('admits the pair again once the Retry-After it answered has passed on its clock, not before', async () => {
    const clock = new TestClock();
    const t = throttle({}, clock);
    for (let i = 0; i < 3; i++) await attempt(t, secretOf('c'), '10.0.0.1', 'fail');
    expect(await attempt(t, secretOf('c'), '10.0.0.1', 'fail')).toBe('429 temporarily_unavailable retry-after=10');
    clock.advance(9_000);
    expect(await attempt(t, secretOf('c'), '10.0.0.1', 'fail')).toBe('429 temporarily_unavailable retry-after=1');
    clock.advance(1_000);
    expect(await attempt(t, secretOf('c'), '10.0.0.1', 'fail')).toBe('401 suspect');
    expect(await attempt(t, secretOf('c'), '10.0.0.1', 'fail')).toBe('429 temporarily_unavailable retry-after=10');
  });

  it('refuses a source that spreads its failures over many client ids', async () => {
    const t = throttle();
    const answers: string[] = [];
    for (let i = 1; i <= 6; i++) answers.push(await attempt(t, secretOf(`id-${i}`), '10.0.0.9', 'fail'));
    expect(answers.slice(0, 5)).toEqual(['401 newcomer', '401 suspect', '401 suspect', '401 suspect', '401 suspect']);
    expect(answers[5]).toMatch(/^429 temporarily_unavailable retry-after=\d+$/);
  });

  it('bounds slow verifications per client id across all sources, and never refuses a cheap check for them', async () => {
    const t = throttle({ THROTTLE_SLOW_PER_MINUTE: '4' });
    for (let i = 0; i < 4; i++) expect(await attempt(t, secretOf('victim'), `10.2.0.${i}`, 'fail')).toMatch(/^401 /);
    expect(await attempt(t, secretOf('victim'), '10.2.0.99', 'fail')).toBe('429 temporarily_unavailable retry-after=15');
    // A secret proven before (no slow hash needed) still works from anywhere.
    expect(await attempt(t, secretOf('victim'), '10.2.0.99', 'ok', false)).toBe('200 no slow hash');
    // Another client id is not affected.
    expect(await attempt(t, secretOf('bystander'), '10.2.0.99', 'ok')).toBe('200 newcomer');
  });

  it('gives the slow budget back on success, so a client that authenticates is never worn down', async () => {
    const t = throttle({ THROTTLE_SLOW_PER_MINUTE: '2' });
    for (let i = 0; i < 20; i++) expect(await attempt(t, secretOf('good'), '10.0.0.3', 'ok')).toBe('200 newcomer');
    expect(t.trackedKeys()).toBe(0);
  });

  it('turns a full hashing queue into a 429 and passes anything else through', async () => {
    const t = throttle();
    expect(await attempt(t, secretOf('c'), '10.0.0.4', 'busy')).toBe('429 temporarily_unavailable retry-after=1');
    expect(t.throttledTotal()).toBe(1);
    const other = new Error('database down');
    await expect(t.around(secretOf('c'), '10.0.0.4', undefined, () => Promise.reject(other))).rejects.toBe(other);
  });

  it('throttles the refusals of a grant without client authentication per source, sharing the failed-authentication bucket', async () => {
    const t = throttle();
    const grant = async (source: string, outcome: 'ok' | 'fail'): Promise<string> => {
      try {
        return await t.aroundUnauthenticated(source, () =>
          outcome === 'fail' ? Promise.reject(new InvalidGrant('The assertion was refused')) : Promise.resolve('200'),
        );
      } catch (e) {
        return e instanceof InvalidGrant ? '400' : e instanceof InvalidClient ? '401' : refused(e);
      }
    };
    // Two failed client authentications and three refused assertions use up the source's burst of five.
    for (let i = 0; i < 2; i++) expect(await attempt(t, assertionOf(`id-${i}`), '10.3.0.1', 'fail', false)).toBe('401 no slow hash');
    for (let i = 0; i < 3; i++) expect(await grant('10.3.0.1', 'fail')).toBe('400');
    expect(await grant('10.3.0.1', 'fail')).toMatch(/^429 temporarily_unavailable retry-after=\d+$/);
    // A valid assertion is never refused; another source is not affected; a fault is not counted as a refusal.
    expect(await grant('10.3.0.1', 'ok')).toBe('200');
    expect(await grant('10.3.0.2', 'fail')).toBe('400');
    await expect(t.aroundUnauthenticated('10.3.0.3', () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(t.throttledTotal()).toBe(1);
  });

  it('keeps its memory bounded whatever the number of client ids', async () => {
    const t = throttle({ THROTTLE_MAX_TRACKED: '100', THROTTLE_SOURCE_BURST: '1000000' });
    for (let i = 0; i < 5000; i++) await attempt(t, secretOf(`random-${i}-${'x'.repeat(i % 500)}`), `10.1.${i % 250}.${i % 7}`, 'fail');
    expect(t.trackedKeys()).toBeLessThanOrEqual(400);
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
