import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const MAIN_JS = resolve(__dirname, '../../dist/apps/auth-server/src/main.js');

export interface ServerProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then wait for exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts the built server (`dist/`, made by `npm test` before Jest runs) as a real process with exactly the
 * given environment (plus PATH/HOME), and waits until it logs that it listens.
 */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN_JS], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_FORMAT: 'text', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let endedBy: NodeJS.Signals | null = null;
  const exited = new Promise<number | null>((res) =>
    child.on('exit', (code, signal) => {
      endedBy = signal;
      res(code);
    }),
  );
  const proc: ServerProcess = {
    child,
    output: () => out,
    exited,
    async stop(graceMs = 20_000) {
      const running = child.exitCode === null && child.signalCode === null;
      if (running) child.kill('SIGTERM');
      const timer = running ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
      const code = await exited;
      clearTimeout(timer);
      // A graceful stop exits 0; anything else is worth its output in the test log.
      const when = running ? 'after SIGTERM' : 'before it was stopped';
      if (code !== 0) process.stderr.write(`server process ended by ${code ?? endedBy} ${when}; its output:\n${out.slice(-4000)}\n`);
      return code;
    },
  };
  const started = Date.now();
  while (!/listening on http/.test(out)) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before listening:\n${out}`);
    if (Date.now() - started > timeoutMs) {
      await proc.stop(1000);
      throw new Error(`server did not listen within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return proc;
}
