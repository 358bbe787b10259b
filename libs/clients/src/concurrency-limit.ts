/**
 * At most `max` tasks at a time; the rest wait in arrival order. Keeps password hashing from occupying every
 * libuv thread-pool worker, which JWT signing (WebCrypto) and PostgreSQL's SCRAM handshake also need: a
 * flood of wrong secrets must slow down only itself.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}
