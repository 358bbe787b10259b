import { type ReusableToken, reuseKey, TokenReuseStore } from './token-reuse.store';

const entry = (jti: string, clientId = 'svc', iat = 1000, reuseFor = 60): ReusableToken => ({
  token: `token-${jti}`,
  jti,
  clientId,
  kid: 'k1',
  iat,
  exp: iat + 3600,
  reuseUntil: iat + reuseFor,
});

describe('TokenReuseStore', () => {
  it('keys identical requests alike, whatever the order of scopes and audiences', () => {
    expect(reuseKey('svc', ['b', 'a'], ['y', 'x'], 1)).toBe(reuseKey('svc', ['a', 'b'], ['x', 'y'], 1));
    expect(reuseKey('svc', ['a'], 'x', 1)).not.toBe(reuseKey('svc', ['a', 'b'], 'x', 1));
    expect(reuseKey('svc', ['a'], 'x', 1)).not.toBe(reuseKey('svc', ['a'], 'y', 1));
    expect(reuseKey('svc', ['a'], 'x', 1)).not.toBe(reuseKey('other', ['a'], 'x', 1));
    // A changed client row (its updated_at) never matches a token made for the old row.
    expect(reuseKey('svc', ['a'], 'x', 1)).not.toBe(reuseKey('svc', ['a'], 'x', 2));
  });

  it('hands a token back within its reuse window and under the key that signed it only', () => {
    const s = new TokenReuseStore();
    s.remember('k', entry('j1'), s.epoch, 1000);
    expect(s.find('k', 1059, 'k1')?.jti).toBe('j1');
    expect(s.find('k', 1059, 'k2')).toBeUndefined();
    s.remember('k', entry('j2'), s.epoch, 1000);
    expect(s.find('k', 1060, 'k1')).toBeUndefined();
    expect(s.size).toBe(0);
  });

  it('drops a token on its revocation, and all of a client’s tokens on a change to it', () => {
    const s = new TokenReuseStore();
    s.remember('a1', entry('j1', 'a'), s.epoch, 1000);
    s.remember('a2', entry('j2', 'a'), s.epoch, 1000);
    s.remember('b1', entry('j3', 'b'), s.epoch, 1000);
    s.dropToken('j1');
    expect(s.find('a1', 1001, 'k1')).toBeUndefined();
    expect(s.find('a2', 1001, 'k1')?.jti).toBe('j2');
    s.dropClient('a');
    expect(s.find('a2', 1001, 'k1')).toBeUndefined();
    expect(s.find('b1', 1001, 'k1')?.jti).toBe('j3');
    s.clear();
    expect(s.size).toBe(0);
  });

  it('does not store a token signed while an invalidation arrived', () => {
    const s = new TokenReuseStore();
    const epoch = s.epoch;
    s.dropClient('svc');
    s.remember('k', entry('j1'), epoch, 1000);
    expect(s.find('k', 1001, 'k1')).toBeUndefined();
  });

  it('is bounded: the oldest entry goes first, and stale ones go before it', () => {
    const s = new TokenReuseStore(2);
    s.remember('a', entry('j1', 'svc', 1000), s.epoch, 1000);
    s.remember('b', entry('j2', 'svc', 1010), s.epoch, 1010);
    s.remember('c', entry('j3', 'svc', 1020), s.epoch, 1020);
    expect(s.size).toBe(2);
    expect(s.find('a', 1021, 'k1')).toBeUndefined();
    expect(s.find('b', 1021, 'k1')?.jti).toBe('j2');
    s.remember('d', entry('j4', 'svc', 1085), s.epoch, 1085);
    expect(s.size).toBe(1);
    expect(s.find('d', 1086, 'k1')?.jti).toBe('j4');
  });
});
