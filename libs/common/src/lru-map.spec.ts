import { LruMap } from './lru-map';

describe('LruMap', () => {
  it('drops the least recently used entry beyond its capacity, a get counting as a use', () => {
    const m = new LruMap<string, number>(3);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3);
    expect(m.get('a')).toBe(1); // a is now the most recently used; b the least
    m.set('d', 4);
    expect([...m.keys()]).toEqual(['c', 'a', 'd']);
    expect(m.has('b')).toBe(false);
    expect(m.size).toBe(3);
  });

  it('peek reads without changing the order; set of a present key replaces its value and renews it', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.peek('a')).toBe(1);
    m.set('c', 3); // a was only peeked: it goes
    expect([...m.keys()]).toEqual(['b', 'c']);
    m.set('b', 20);
    m.set('d', 4); // b was renewed by set: c goes
    expect([...m.keys()]).toEqual(['b', 'd']);
    expect([...m.values()]).toEqual([20, 4]);
  });

  it('keeps its list consistent through deletes at either end and in the middle, and clear', () => {
    const m = new LruMap<number, number>(10);
    for (let i = 0; i < 5; i++) m.set(i, i * 10);
    expect(m.delete(0)).toBe(true);
    expect(m.delete(4)).toBe(true);
    expect(m.delete(2)).toBe(true);
    expect(m.delete(2)).toBe(false);
    expect([...m.keys()]).toEqual([1, 3]);
    m.get(1);
    expect([...m.keys()]).toEqual([3, 1]);
    m.delete(3);
    m.delete(1);
    expect([...m.keys()]).toEqual([]);
    m.set(7, 70);
    expect([...m.values()]).toEqual([70]);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.get(7)).toBeUndefined();
    m.set(8, 80);
    expect([...m.keys()]).toEqual([8]);
  });

  it('stores nothing at capacity 0', () => {
    const m = new LruMap<string, number>(0);
    m.set('a', 1);
    expect(m.size).toBe(0);
    expect(m.get('a')).toBeUndefined();
  });
});
