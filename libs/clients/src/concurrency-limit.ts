/**
 * Which queue a hashing job waits in. `newcomer`: a client that has not failed recently (a first verification
 * after start, a new or rotated secret) and administrative hashing; `suspect`: a client id or source address
 * with recent failures.
 */
export type HashLane = 'newcomer' | 'suspect';

/** The lane's queue is full: the caller sheds the request at once instead of waiting. */
export class HashingBusy extends Error {
  constructor(readonly lane: HashLane) {
    super(`hashing queue full (${lane} lane)`);
    this.name = 'HashingBusy';
  }
}

/**
 * At most `slots` tasks at a time, of which at most `slots - reserved` from the suspect lane, so a flood of
 * failing requests never takes the slots newcomers need; newcomers are also served first. Each lane queues at
 * most `maxQueued` tasks in arrival order; one more is refused with HashingBusy, so memory stays flat under
 * any flood. Keeps password hashing from occupying every libuv thread-pool worker, which JWT signing
 * (WebCrypto) and PostgreSQL's SCRAM handshake also need.
 */
export class LaneLimit {
  private running = 0;
  private runningSuspect = 0;
  private readonly waiting: Record<HashLane, (() => void)[]> = { newcomer: [], suspect: [] };

  constructor(
    private readonly slots: number,
    private readonly reserved: number,
    private readonly maxQueued: number,
  ) {
    if (reserved >= slots) throw new Error('LaneLimit: reserved slots must leave at least one for the suspect lane');
  }

  private canStart(lane: HashLane): boolean {
    if (this.running >= this.slots) return false;
    return lane === 'newcomer' || this.runningSuspect < this.slots - this.reserved;
  }

  run<T>(lane: HashLane, task: () => Promise<T>): Promise<T> {
    if (this.canStart(lane) && this.waiting[lane].length === 0) return this.start(lane, task);
    if (this.waiting[lane].length >= this.maxQueued) return Promise.reject(new HashingBusy(lane));
    return new Promise<T>((resolve, reject) => this.waiting[lane].push(() => this.start(lane, task).then(resolve, reject)));
  }

  private async start<T>(lane: HashLane, task: () => Promise<T>): Promise<T> {
    this.running++;
    if (lane === 'suspect') this.runningSuspect++;
    try {
      return await task();
    } finally {
      this.running--;
      if (lane === 'suspect') this.runningSuspect--;
      this.next();
    }
  }

  /** Hands free slots to waiting tasks, newcomers first. */
  private next(): void {
    for (const lane of ['newcomer', 'suspect'] as const) {
      // start() counts the task synchronously, so canStart() sees it on the next turn of this loop.
      while (this.waiting[lane].length > 0 && this.canStart(lane)) (this.waiting[lane].shift() as () => void)();
    }
  }

  /** Tasks waiting for a slot, both lanes. */
  get queued(): number {
    return this.waiting.newcomer.length + this.waiting.suspect.length;
  }
}
