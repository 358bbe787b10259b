/**
 * Which hashing slot a slow (scrypt) verification waits for. `newcomer`: a client id with no recent failures (the
 * first verification of a secret on this instance, after a start or a rotation); `suspect`: a client id or source
 * address with recent failures.
 */
export type HashLane = 'newcomer' | 'suspect';

/** The lane's queue is full: the caller sheds the request at once instead of waiting. */
export class HashingBusy extends Error {
  constructor(readonly lane: HashLane) {
    super(`hashing queue full (${lane} lane)`);
    this.name = 'HashingBusy';
  }
}

/** The request went away while its verification waited: the work is dropped, nobody is answered. */
export class WorkAbandoned extends Error {
  constructor() {
    super('the request was abandoned before its verification started');
    this.name = 'WorkAbandoned';
  }
}

/**
 * One running task per lane, so slow hashing never holds more than two libuv workers (JWT signing and
 * PostgreSQL's SCRAM handshake keep the others) and a flood of failing guesses, which all land in the suspect
 * lane, can never take the slot a first verification needs. Each lane queues at most `maxQueued` tasks in
 * arrival order; one more is refused with HashingBusy, so memory stays flat under any flood. A queued task whose
 * `signal` aborts (its connection closed) leaves the queue at once and never runs.
 */
export class LaneLimit {
  private readonly running: Record<HashLane, boolean> = { newcomer: false, suspect: false };
  private readonly waiting: Record<HashLane, (() => void)[]> = { newcomer: [], suspect: [] };

  constructor(private readonly maxQueued: number) {}

  run<T>(lane: HashLane, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new WorkAbandoned());
    if (!this.running[lane] && this.waiting[lane].length === 0) return this.start(lane, task);
    if (this.waiting[lane].length >= this.maxQueued) return Promise.reject(new HashingBusy(lane));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        const queue = this.waiting[lane];
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        reject(new WorkAbandoned());
      };
      const waiter = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.start(lane, task).then(resolve, reject);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting[lane].push(waiter);
    });
  }

  private async start<T>(lane: HashLane, task: () => Promise<T>): Promise<T> {
    this.running[lane] = true;
    try {
      return await task();
    } finally {
      this.running[lane] = false;
      this.waiting[lane].shift()?.();
    }
  }

  /** Tasks waiting for a slot, both lanes. */
  get queued(): number {
    return this.waiting.newcomer.length + this.waiting.suspect.length;
  }
}
