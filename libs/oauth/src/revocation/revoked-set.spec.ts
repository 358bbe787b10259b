import { RevokedSet } from './revoked-set';

describe('RevokedSet', () => {
  it('is not authoritative before its first load', () => {
    const s = new RevokedSet();
    s.add('a', 100);
    expect(s.complete).toBe(false);
    s.load([['b', 100]]);
    expect(s.complete).toBe(true);
    expect([s.has('a'), s.has('b'), s.has('c')]).toEqual([true, true, false]);
  });

  it('keeps revocations that arrived while the load ran', () => {
    const s = new RevokedSet();
    s.load([]);
    s.add('late', 100);
    s.load([['old', 100]]);
    expect([s.has('late'), s.has('old')]).toEqual([true, true]);
  });

  it('gives up past its bound, so callers ask the database, and recovers on a load that fits', () => {
    const s = new RevokedSet(2);
    s.load([]);
    s.add('a', 100);
    s.add('b', 100);
    expect(s.complete).toBe(true);
    s.add('c', 100);
    expect(s.complete).toBe(false);
    expect(s.size).toBe(0);
    s.load([
      ['a', 100],
      ['b', 100],
      ['c', 100],
    ]);
    expect(s.complete).toBe(false);
    s.load([['a', 100]]);
    expect(s.complete).toBe(true);
    expect(s.has('a')).toBe(true);
  });

  it('gives up when the revocations that arrived during a load take it past its bound, so memory stays bounded', () => {
    const s = new RevokedSet(2);
    s.load([]);
    s.add('late', 100);
    s.load([
      ['a', 100],
      ['b', 100],
    ]);
    expect(s.complete).toBe(false);
    expect(s.size).toBe(0);
  });

  it('stops being authoritative when invalidated, until reloaded', () => {
    const s = new RevokedSet();
    s.load([['a', 100]]);
    s.invalidate();
    expect(s.complete).toBe(false);
    s.load([['a', 100]]);
    expect(s.complete).toBe(true);
  });

  it('prunes revocations of expired tokens', () => {
    const s = new RevokedSet();
    s.load([
      ['old', 50],
      ['new', 150],
    ]);
    s.prune(100);
    expect([s.has('old'), s.has('new')]).toEqual([false, true]);
  });
});
