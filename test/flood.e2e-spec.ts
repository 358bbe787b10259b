import { SecretHasher } from '@app/clients';
import { randomBytes } from 'node:crypto';
import { insertClient } from './support/clients';
import { SourcedHttp } from './support/sourced-http';
import { basic, startTestApp, type TestApp } from './support/test-app';

const HASH_QUEUE = 8;
const MAX_TRACKED = 100;
const LOG_PER_MINUTE = 30;
const SLOW_PER_MINUTE = 5;

/**
 * Against a real in-process server and PostgreSQL: a flood of wrong secrets from several addresses, some guessing
 * the id of a client whose secret was supplied (so stored with scrypt) and some random ids, while a cached client
 * and a client needing its first verification ask for tokens from their own addresses. (The generated-secret case,
 * at botnet scale against a server process, is flood-botnet.e2e-spec.ts.)
 */
describe('a wrong-secret flood against supplied (slow-hashed) secrets', () => {
  let t: TestApp;
  const http = new SourcedHttp();
  let tokenUrl: string;

  beforeAll(async () => {
    t = await startTestApp({
      // Costlier hashing than other suites, so the flood really contends for it.
      SECRET_HASH_LOG_N: '13',
      // The cached client's row goes stale during the flood: re-reading it must not cost a hash.
      CLIENT_CACHE_TTL: '1',
      THROTTLE_HASH_QUEUE: String(HASH_QUEUE),
      THROTTLE_MAX_TRACKED: String(MAX_TRACKED),
      THROTTLE_LOG_PER_MINUTE: String(LOG_PER_MINUTE),
      THROTTLE_SLOW_PER_MINUTE: String(SLOW_PER_MINUTE),
    });
    tokenUrl = `${t.baseUrl}/oauth2/token?grant_type=client_credentials`;
    await insertClient(t, { clientId: 'steady', secret: 'steady-secret-0123456789', hashLogN: 13 });
    await insertClient(t, { clientId: 'newcomer', secret: 'newcomer-secret-0123456789', hashLogN: 13 });
  });
  afterAll(async () => {
    http.close();
    await t?.close();
  });

  /** The server's log as pino wrote it: one JSON object per line (40 = warn). */
  const logLines = (): { level: number; context?: string; msg?: string }[] =>
    t.logs.map((l) => JSON.parse(l) as { level: number; context?: string; msg?: string });

  const token = (from: string, id: string, secret: string) =>
    http.send(from, tokenUrl, { method: 'POST', headers: { authorization: basic(id, secret) } });

  it('escapes control characters of a client id in the security log', async () => {
    const res = await token('127.0.3.1', 'evil\nwarn [Security] forged line\u0000', 'x');
    expect(res.status).toBe(401);
    const line = logLines().find((l) => l.msg?.includes('client_auth_failed source=127.0.3.1'));
    expect(line).toEqual(expect.objectContaining({ level: 40, context: 'Security' }));
    expect(line?.msg).toContain('client_id="evil\\u000awarn [Security] forged line\\u0000"');
    // No log line of any logger carries the raw newline that would forge a second line.
    expect(logLines().filter((l) => l.msg?.includes('\nwarn [Security] forged'))).toEqual([]);
  });

  it('spends at most THROTTLE_SLOW_PER_MINUTE slow hashes on guesses for a supplied-secret client, and keeps serving its proven secret', async () => {
    // The steady client (a supplied secret, so scrypt) is verified once before the flood.
    expect((await token('127.0.0.50', 'steady', 'steady-secret-0123456789')).status).toBe(200);
    const hasher = t.app.get(SecretHasher);
    const checks = jest.spyOn(hasher, 'check');
    const statuses = new Map<number, number>();
    const bad: string[] = [];
    let peakQueue = 0;
    let stop = false;
    const attacker = async (from: string, lane: number): Promise<void> => {
      while (!stop) {
        // Half guess the real client's id, half random ids (which cost no hash and no database trip at all).
        const id = lane % 2 === 0 ? 'steady' : `random-${randomBytes(6).toString('hex')}`;
        const res = await token(from, id, `guess-${randomBytes(4).toString('hex')}`);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429 && !/^\d+$/.test(String(res.headers['retry-after']))) bad.push(`429 without Retry-After`);
        if (res.status >= 500) bad.push(`${res.status} ${res.body}`);
        peakQueue = Math.max(peakQueue, hasher.queueDepth());
      }
    };
    const sources = Array.from({ length: 16 }, (_, i) => `127.0.1.${i + 1}`);
    const flood = sources.flatMap((s) => Array.from({ length: 4 }, (_, lane) => attacker(s, lane)));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      for (let i = 0; i < 5; i++) expect([i, (await token('127.0.0.50', 'steady', 'steady-secret-0123456789')).status]).toEqual([i, 200]);
      // The newcomer has never been verified here and is not under attack: its one slow hash has its own slot.
      expect((await token('127.0.0.60', 'newcomer', 'newcomer-secret-0123456789')).status).toBe(200);
      stop = true;
      await Promise.all(flood);
      const total = [...statuses.values()].reduce((a, b) => a + b, 0);
      const guessesHashed = checks.mock.calls.filter(([secret]) => secret.startsWith('guess-')).length;
      process.stdout.write(
        `supplied-secret flood: ${total} requests ${JSON.stringify(Object.fromEntries(statuses))}, ${guessesHashed} slow hashes\n`,
      );
      expect(bad).toEqual([]);
      expect(total).toBeGreaterThan(300);
      expect([...statuses.keys()].every((s) => s === 401 || s === 429)).toBe(true);
      // One burst of slow verifications for the attacked id, whatever the number of sources.
      expect(guessesHashed).toBeLessThanOrEqual(SLOW_PER_MINUTE + 1);
      expect(peakQueue).toBeLessThanOrEqual(2 * HASH_QUEUE);
      // The steady client never needed a new hash; the newcomer exactly one.
      expect(checks.mock.calls.filter(([secret]) => secret === 'steady-secret-0123456789')).toEqual([]);
      expect(checks.mock.calls.filter(([secret]) => secret === 'newcomer-secret-0123456789')).toHaveLength(1);
      // Security events: warn level, and rate-limited.
      const security = logLines().filter((l) => l.context === 'Security');
      expect(security.filter((l) => l.level !== 40)).toEqual([]);
      expect(security.some((l) => /^client_auth_throttled source=127\.0\.1\.\d+ client_id="steady"/.test(l.msg ?? ''))).toBe(true);
    } finally {
      stop = true;
      await Promise.all(flood);
      checks.mockRestore();
    }
  });

  it('a correct secret for a cached client is never throttled, even from an address that is', async () => {
    const from = '127.0.2.1';
    expect((await token(from, 'steady', 'steady-secret-0123456789')).status).toBe(200);
    let throttled = false;
    for (let i = 0; i < 200 && !throttled; i++) throttled = (await token(from, 'steady', `wrong-${i}`)).status === 429;
    expect(throttled).toBe(true);
    expect((await token(from, 'steady', 'wrong-again')).status).toBe(429);
    const res = await token(from, 'steady', 'steady-secret-0123456789');
    expect(res.status).toBe(200);
  });
});
