import { HISTORY_MINUTES, TokenHistory } from './token-history';

const T0 = Date.parse('2026-12-06T10:00:00Z');

function history() {
  let now = T0;
  const cache = { hits: 0, misses: 0 };
  const h = new TokenHistory(
    () => now,
    () => ({ ...cache }),
  );
  return { h, cache, at: (ms: number) => (now = T0 + ms) };
}

describe('TokenHistory', () => {
  it('counts tokens issued per minute, in total and per client, with the current minute last', () => {
    const { h, at } = history();
    h.recordToken('billing', undefined, 0.002);
    h.recordToken('billing', undefined, 0.002);
    h.recordToken('reports', undefined, 0.002);
    at(61_000);
    h.recordToken('reports', undefined, 0.002);
    const v = h.view();
    expect(v.minutes).toHaveLength(HISTORY_MINUTES);
    expect(v.minutes.at(-1)).toMatchObject({ start: '2026-12-06T10:01:00.000Z', tokens_issued: 1 });
    expect(v.minutes.at(-2)).toMatchObject({
      start: '2026-12-06T10:00:00.000Z',
      tokens_issued: 3,
      top_clients: [
        { client_id: 'billing', tokens: 2 },
        { client_id: 'reports', tokens: 1 },
      ],
    });
    expect(v.top_clients).toEqual([
      { client_id: 'billing', tokens: 2 },
      { client_id: 'reports', tokens: 2 },
    ]);
  });

  it('counts invalid_client refusals as authentication failures and 429s as throttled, neither as issued', () => {
    const { h } = history();
    h.recordToken('x', 'invalid_client', 0.01);
    h.recordToken(undefined, 'invalid_request', 0.001);
    h.throttled();
    expect(h.view().minutes.at(-1)).toMatchObject({ tokens_issued: 0, auth_failures: 1, throttled: 1, top_clients: [] });
  });

  it('reads p50 and p99 latency to within a quarter of the value', () => {
    const { h } = history();
    for (let i = 0; i < 98; i++) h.recordToken('a', undefined, 0.002);
    h.recordToken('a', undefined, 0.1);
    h.recordToken('a', undefined, 0.1);
    const m = h.view().minutes.at(-1)!;
    expect(m.latency_p50_ms).toBeGreaterThanOrEqual(2);
    expect(m.latency_p50_ms).toBeLessThan(2.5);
    expect(m.latency_p99_ms).toBeGreaterThanOrEqual(100);
    expect(m.latency_p99_ms).toBeLessThan(125);
  });

  it("reports each minute's client-cache hit rate from the cache counters' increase in that minute", () => {
    const { h, cache, at } = history();
    h.recordToken('a', undefined, 0.001);
    cache.hits += 3;
    cache.misses += 1;
    at(60_000);
    h.recordToken('a', undefined, 0.001);
    cache.hits += 1;
    const v = h.view();
    expect(v.minutes.at(-2)!.cache_hit_rate).toBe(0.75);
    expect(v.minutes.at(-1)!.cache_hit_rate).toBe(1);
  });

  it('forgets minutes older than the window and shows quiet minutes as zeros', () => {
    const { h, at } = history();
    h.recordToken('old', undefined, 0.001);
    at(HISTORY_MINUTES * 60_000);
    const v = h.view();
    expect(v.minutes.every((m) => m.tokens_issued === 0 && m.latency_p50_ms === null)).toBe(true);
    expect(v.top_clients).toEqual([]);
  });

  it('remembers when each client last got a token', () => {
    const { h, at } = history();
    h.recordToken('a', undefined, 0.001);
    at(5_000);
    h.recordToken('a', undefined, 0.001);
    h.recordToken('b', 'invalid_client', 0.001);
    expect(h.lastIssuedAt(['a', 'b'])).toEqual({ a: '2026-12-06T10:00:05.000Z' });
  });

  it('sums clients beyond the per-minute limit under one entry, so many client ids cannot grow memory', () => {
    const { h } = history();
    for (let i = 0; i < 500; i++) h.recordToken(`c${i}`, undefined, 0.001);
    const top = h.view().minutes.at(-1)!.top_clients;
    expect(top[0]).toEqual({ client_id: '(other clients)', tokens: 300 });
  });
});
