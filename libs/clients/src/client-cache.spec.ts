import { ClientCache } from './client-cache';
import { ClientEntity } from './client.entity';

function client(clientId: string): ClientEntity {
  return Object.assign(new ClientEntity(), { clientId, enabled: true, scopes: ['a'], grantTypes: ['client_credentials'] });
}

describe('ClientCache', () => {
  let now: number;
  const clock = (): number => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('matches a client only for a secret remembered for it', () => {
    const cache = new ClientCache(60_000, 100, clock);
    const c = client('c1');
    expect(cache.match('c1', 'secret')).toBeUndefined();
    cache.remember(c, 'secret', Number.POSITIVE_INFINITY);
    expect(cache.match('c1', 'secret')).toBe(c);
    expect(cache.match('c1', 'secret ')).toBeUndefined();
    expect(cache.match('c1', 'other')).toBeUndefined();
    expect(cache.match('c2', 'secret')).toBeUndefined();
  });

  it('keeps a secret accepted during rotation grace only until its `until`', () => {
    const cache = new ClientCache(60_000, 100, clock);
    const c = client('c1');
    cache.remember(c, 'new-secret', Number.POSITIVE_INFINITY);
    cache.remember(c, 'old-secret', now + 5_000);
    expect(cache.match('c1', 'old-secret')).toBe(c);
    expect(cache.match('c1', 'new-secret')).toBe(c);
    now += 4_999;
    expect(cache.match('c1', 'old-secret')).toBe(c);
    now += 1;
    expect(cache.match('c1', 'old-secret')).toBeUndefined();
    expect(cache.match('c1', 'new-secret')).toBe(c);
  });

  it('forgets every entry after the cache TTL', () => {
    const cache = new ClientCache(10_000, 100, clock);
    const c = client('c1');
    cache.remember(c, 'secret', Number.POSITIVE_INFINITY);
    now += 9_999;
    expect(cache.match('c1', 'secret')).toBe(c);
    now += 1;
    expect(cache.match('c1', 'secret')).toBeUndefined();
  });

  it('invalidate() drops one client, clear() drops all', () => {
    const cache = new ClientCache(60_000, 100, clock);
    const [a, b] = [client('a'), client('b')];
    cache.remember(a, 'sa', Number.POSITIVE_INFINITY);
    cache.remember(b, 'sb', Number.POSITIVE_INFINITY);
    cache.invalidate('a');
    expect(cache.match('a', 'sa')).toBeUndefined();
    expect(cache.match('b', 'sb')).toBe(b);
    cache.clear();
    expect(cache.match('b', 'sb')).toBeUndefined();
  });

  it('a reloaded client object replaces the cached one and its verified secrets', () => {
    const cache = new ClientCache(60_000, 100, clock);
    cache.remember(client('c1'), 'old', Number.POSITIVE_INFINITY);
    const reloaded = client('c1');
    cache.remember(reloaded, 'new', Number.POSITIVE_INFINITY);
    expect(cache.match('c1', 'new')).toBe(reloaded);
    expect(cache.match('c1', 'old')).toBeUndefined();
  });

  it('caches nothing when the TTL is 0 (CLIENT_CACHE_TTL=0)', () => {
    const cache = new ClientCache(0, 100, clock);
    cache.remember(client('c1'), 'secret', Number.POSITIVE_INFINITY);
    expect(cache.match('c1', 'secret')).toBeUndefined();
  });

  it('evicts the oldest client beyond maxEntries', () => {
    const cache = new ClientCache(60_000, 2, clock);
    const [a, b, c] = [client('a'), client('b'), client('c')];
    cache.remember(a, 's', Number.POSITIVE_INFINITY);
    cache.remember(b, 's', Number.POSITIVE_INFINITY);
    cache.remember(c, 's', Number.POSITIVE_INFINITY);
    expect(cache.match('a', 's')).toBeUndefined();
    expect(cache.match('b', 's')).toBe(b);
    expect(cache.match('c', 's')).toBe(c);
  });
});
