import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const MAIN_JS = resolve(__dirname, '../../dist/apps/auth-server/src/main.js');

export interface ServerProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once the process has exited: its exit code, or the name of the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>;
  /** SIGTERM, then wait for exit (SIGKILL after `graceMs`); resolves as `exited` does. */
  stop(graceMs?: number): Promise<number | NodeJS.Signals>;
}

/**
 * Starts the built server (`dist/`, made by `npm test` before Jest runs) as a real process with exactly the
 * given environment (plus PATH/HOME), and waits until it logs that it listens (or, with `until`, that line).
 */
export async function startServerProcess(
  env: Record<string, string>,
  { until = /listening on http/, timeoutMs = 60_000 }: { until?: RegExp; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN_JS], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_FORMAT: 'text', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // A graceful stop exits 0; a signal that ended the process is named, so a failed expectation says which.
  const exited = new Promise<number | NodeJS.Signals>((res) => child.on('exit', (code, signal) => res(code ?? signal!)));
  const proc: ServerProcess = {
    child,
    output: () => out,
    exited,
    async stop(graceMs = 20_000) {
      const running = child.exitCode === null && child.signalCode === null;
      if (running) child.kill('SIGTERM');
      const timer = running ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
      const ended = await exited;
      clearTimeout(timer);
      // Anything but a graceful exit is worth its output in the test log.
      const when = running ? 'after SIGTERM' : 'before it was stopped';
      if (ended !== 0) process.stderr.write(`server process ended by ${ended} ${when}; its output:\n${out.slice(-4000)}\n`);
      return ended;
    },
  };
  const started = Date.now();
  while (!until.test(out)) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it logged ${until}:\n${out}`);
    if (Date.now() - started > timeoutMs) {
      await proc.stop(1000);
      throw new Error(`server did not log ${until} within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return proc;
}
