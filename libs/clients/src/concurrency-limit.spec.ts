import { ConcurrencyLimit } from './concurrency-limit';

describe('ConcurrencyLimit', () => {
  it('runs at most max tasks at once, the rest in arrival order, and passes results and errors through', async () => {
    const limit = new ConcurrencyLimit(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) => async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      order.push(i);
      if (i === 3) throw new Error('task 3 failed');
      return i * 10;
    };
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => limit.run(task(i))));
    expect(peak).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      10,
      20,
      'task 3 failed',
      40,
      50,
    ]);
    expect(order.indexOf(3)).toBeLessThan(order.indexOf(5));
    expect(limit.queued).toBe(0);
  });
});
