import { ClientCache } from './client-cache';
import { ClientEntity } from './client.entity';

const H1 = '$scrypt$hash-one';
const H2 = '$scrypt$hash-two';

function client(clientId: string, secretHash = H1, previous?: { hash: string; until: number }): ClientEntity {
  return Object.assign(new ClientEntity(), {
    clientId,
    enabled: true,
    scopes: ['a'],
    grantTypes: ['client_credentials'],
    secretHash,
    previousSecretHash: previous?.hash ?? null,
    previousSecretExpiresAt: previous ? new Date(previous.until) : null,
  });
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
    cache.remember(c, 'secret', H1);
    expect(cache.match('c1', 'secret')).toBe(c);
    expect(cache.match('c1', 'secret ')).toBeUndefined();
    expect(cache.match('c1', 'other')).toBeUndefined();
    expect(cache.match('c2', 'secret')).toBeUndefined();
  });

  it('keeps both secrets of a rotation, the previous one only until its grace ends', () => {
    const cache = new ClientCache(60_000, 100, clock);
    const c = client('c1', H2, { hash: H1, until: now + 5_000 });
    cache.remember(c, 'old-secret', H1);
    cache.remember(c, 'new-secret', H2);
    expect(cache.match('c1', 'old-secret')).toBe(c);
    expect(cache.match('c1', 'new-secret')).toBe(c);
    now += 4_999;
    expect(cache.match('c1', 'old-secret')).toBe(c);
    now += 1;
    expect(cache.match('c1', 'old-secret')).toBeUndefined();
    expect(cache.match('c1', 'new-secret')).toBe(c);
  });

  it('after the TTL asks for the row again, and keeps the verified secret when the stored hash is unchanged', () => {
    const cache = new ClientCache(10_000, 100, clock);
    cache.remember(client('c1'), 'secret', H1);
    now += 9_999;
    expect(cache.lookup('c1', 'secret').kind).toBe('hit');
    now += 1;
    expect(cache.lookup('c1', 'secret')).toEqual({ kind: 'stale' });
    expect(cache.lookup('c1', 'wrong')).toEqual({ kind: 'miss' });
    const reread = client('c1');
    expect(cache.refresh(reread, 'secret')).toBe(true);
    expect(cache.match('c1', 'secret')).toBe(reread);
  });

  it('a re-read row with a new secret hash drops the secrets verified against the old one', () => {
    const cache = new ClientCache(10_000, 100, clock);
    cache.remember(client('c1'), 'secret', H1);
    cache.invalidate('c1');
    expect(cache.lookup('c1', 'secret')).toEqual({ kind: 'stale' });
    expect(cache.refresh(client('c1', H2), 'secret')).toBe(false);
    expect(cache.lookup('c1', 'secret')).toEqual({ kind: 'miss' });
  });

  it('a rotation keeps the old secret verified as the previous hash during the grace window', () => {
    const cache = new ClientCache(60_000, 100, clock);
    cache.remember(client('c1'), 'old', H1);
    cache.invalidate('c1');
    const rotated = client('c1', H2, { hash: H1, until: now + 1_000 });
    expect(cache.refresh(rotated, 'old')).toBe(true);
    expect(cache.match('c1', 'old')).toBe(rotated);
    now += 1_000;
    expect(cache.match('c1', 'old')).toBeUndefined();
  });

  it('invalidate() makes one client stale, clear() all of them', () => {
    const cache = new ClientCache(60_000, 100, clock);
    const [a, b] = [client('a'), client('b')];
    cache.remember(a, 'sa', H1);
    cache.remember(b, 'sb', H1);
    cache.invalidate('a');
    expect(cache.match('a', 'sa')).toBeUndefined();
    expect(cache.lookup('a', 'sa').kind).toBe('stale');
    expect(cache.match('b', 'sb')).toBe(b);
    cache.clear();
    expect(cache.lookup('b', 'sb').kind).toBe('stale');
    cache.drop('b');
    expect(cache.lookup('b', 'sb').kind).toBe('miss');
  });

  it('caches nothing when the TTL is 0 (CLIENT_CACHE_TTL=0)', () => {
    const cache = new ClientCache(0, 100, clock);
    cache.remember(client('c1'), 'secret', H1);
    expect(cache.match('c1', 'secret')).toBeUndefined();
    expect(cache.stats().size).toBe(0);
  });

  it('evicts the least recently used client at its configured size; a hit keeps an entry alive', () => {
    const cache = new ClientCache(60_000, 3, clock);
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((id) => client(id));
    cache.remember(a, 's', H1);
    cache.remember(b, 's', H1);
    cache.remember(c, 's', H1);
    // a is the oldest inserted, but used now: b becomes the least recently used.
    expect(cache.match('a', 's')).toBe(a);
    cache.remember(d, 's', H1);
    expect(cache.stats().size).toBe(3);
    expect(cache.has('b')).toBe(false);
    expect([cache.has('a'), cache.has('c'), cache.has('d')]).toEqual([true, true, true]);
    cache.remember(e, 's', H1);
    expect(cache.has('c')).toBe(false);
    expect(cache.match('a', 's')).toBe(a);
    expect(cache.match('d', 's')).toBe(d);
    expect(cache.match('e', 's')).toBe(e);
  });

  it('counts hits and misses', () => {
    const cache = new ClientCache(60_000, 10, clock);
    cache.remember(client('a'), 's', H1);
    cache.match('a', 's');
    cache.match('a', 's');
    cache.match('a', 'wrong');
    cache.match('nobody', 's');
    expect(cache.stats()).toEqual({ hits: 2, misses: 2, size: 1 });
  });
});
