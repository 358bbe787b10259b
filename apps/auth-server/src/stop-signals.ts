/** The signals that ask the server to stop: SIGTERM from an orchestrator, SIGINT from a terminal. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * SIGTERM and SIGINT, caught before start-up does anything that needs undoing. Without a listener, Node's default
 * ends the process at once, so a signal that arrived before the listener did (an orchestrator giving up on a slow
 * start, or one sent the moment "listening" was logged) would skip every clean-up step, the embedded PostgreSQL
 * included. Until the server listens, start-up asks `received` between its steps and unwinds; then `handOver`
 * passes the signal, even one already received, to the graceful shutdown. Only the first signal counts.
 */
export class StopSignals {
  private first: string | undefined;
  private handler: ((signal: string) => void) | undefined;

  constructor(private readonly onStartUp: (signal: string) => void) {
    for (const signal of STOP_SIGNALS) process.on(signal, () => this.receive(signal));
  }

  /** The first stop signal received, if one was. */
  get received(): string | undefined {
    return this.first;
  }

  /** From now on the stop signal goes to `handler` (at once, when one came already). */
  handOver(handler: (signal: string) => void): void {
    this.handler = handler;
    if (this.first) handler(this.first);
  }

  private receive(signal: string): void {
    if (this.first) return;
    this.first = signal;
    if (this.handler) this.handler(signal);
    else this.onStartUp(signal);
  }
}
