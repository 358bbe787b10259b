import { HashingBusy, LaneLimit, WorkAbandoned } from './concurrency-limit';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('LaneLimit', () => {
  it('runs one task per lane at a time, the rest in arrival order, and passes results and errors through', async () => {
    const limit = new LaneLimit(100);
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
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => limit.run('suspect', task(i))));
    expect(peak).toBe(1);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([10, 20, 'task 3 failed', 40]);
    expect(limit.queued).toBe(0);
  });

  it('keeps a slot for first verifications however many failing guesses wait in the suspect lane', async () => {
    const limit = new LaneLimit(100);
    const g = gate();
    const suspects = [1, 2, 3].map(() => limit.run('suspect', () => g.promise));
    await tick();
    await expect(limit.run('newcomer', async () => 'first verification')).resolves.toBe('first verification');
    expect(limit.queued).toBe(2);
    g.open();
    await Promise.all(suspects);
  });

  it('refuses at once a task beyond its lane queue, without touching the other lane', async () => {
    const limit = new LaneLimit(2);
    const g = gate();
    const held = [1, 2, 3].map(() => limit.run('suspect', () => g.promise));
    await expect(limit.run('suspect', () => g.promise)).rejects.toBeInstanceOf(HashingBusy);
    expect(limit.queued).toBe(2);
    await expect(limit.run('newcomer', async () => 'ok')).resolves.toBe('ok');
    g.open();
    await Promise.all(held);
    expect(limit.queued).toBe(0);
  });

  it('drops a queued task whose request was abandoned, so it never runs and frees its place in the queue', async () => {
    const limit = new LaneLimit(1);
    const g = gate();
    const running = limit.run('suspect', () => g.promise);
    const abandoned = new AbortController();
    let ran = false;
    const queued = limit.run(
      'suspect',
      async () => {
        ran = true;
      },
      abandoned.signal,
    );
    expect(limit.queued).toBe(1);
    abandoned.abort();
    await expect(queued).rejects.toBeInstanceOf(WorkAbandoned);
    expect(limit.queued).toBe(0);
    // Its place is free again: another task may queue.
    const next = limit.run('suspect', async () => 'next');
    g.open();
    await running;
    await expect(next).resolves.toBe('next');
    expect(ran).toBe(false);
    // Already abandoned: refused before queueing.
    await expect(limit.run('newcomer', async () => 'x', abandoned.signal)).rejects.toBeInstanceOf(WorkAbandoned);
  });
});
