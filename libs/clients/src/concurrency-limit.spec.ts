import { HashingBusy, type HashLane, LaneLimit } from './concurrency-limit';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('LaneLimit', () => {
  it('runs at most `slots` tasks at once, the rest in arrival order, and passes results and errors through', async () => {
    const limit = new LaneLimit(2, 1, 100);
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
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => limit.run('newcomer', task(i))));
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

  it('never gives the reserved slot to the suspect lane, and serves newcomers first', async () => {
    const limit = new LaneLimit(2, 1, 100);
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const job = (lane: HashLane, name: string) => {
      const g = gate();
      gates.set(name, g);
      return limit.run(lane, async () => {
        started.push(name);
        await g.promise;
        return name;
      });
    };
    const s1 = job('suspect', 's1');
    const s2 = job('suspect', 's2');
    const s3 = job('suspect', 's3');
    await Promise.resolve();
    // One suspect runs; the second slot stays free for a newcomer.
    expect(started).toEqual(['s1']);
    const n1 = job('newcomer', 'n1');
    await Promise.resolve();
    expect(started).toEqual(['s1', 'n1']);
    const n2 = job('newcomer', 'n2');
    gates.get('s1')?.open();
    await s1;
    await new Promise((r) => setImmediate(r));
    // The freed slot goes to the waiting newcomer before the earlier suspects.
    expect(started).toEqual(['s1', 'n1', 'n2']);
    for (const name of ['n1', 'n2', 's2', 's3']) {
      await new Promise((r) => setImmediate(r));
      gates.get(name)?.open();
    }
    await expect(Promise.all([n1, n2, s2, s3])).resolves.toEqual(['n1', 'n2', 's2', 's3']);
    expect(limit.queued).toBe(0);
  });

  it('refuses at once a task beyond its lane queue, without touching the other lane', async () => {
    const limit = new LaneLimit(2, 1, 2);
    const g = gate();
    const held = [1, 2, 3].map(() => limit.run('suspect', () => g.promise));
    await expect(limit.run('suspect', () => g.promise)).rejects.toBeInstanceOf(HashingBusy);
    expect(limit.queued).toBe(2);
    const newcomer = limit.run('newcomer', async () => 'ok');
    await expect(newcomer).resolves.toBe('ok');
    g.open();
    await Promise.all(held);
    expect(limit.queued).toBe(0);
  });
});
