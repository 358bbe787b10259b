import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Client } from 'pg';
import type { TestDatabase } from './database';

const LAUNCHER = resolve(__dirname, '../../dist/libs/persistence/src/embedded-postgres.js');

/**
 * Runs in the child: starts PostgreSQL with the project's own launcher, prints its URL, and stops it on
 * SIGTERM or when the test process goes away (stdin closes), so no postmaster outlives the test.
 */
const SCRIPT = `
const { startEmbeddedPostgres } = require(${JSON.stringify(LAUNCHER)});
const [dir, port] = process.argv.slice(1);
startEmbeddedPostgres({ dir, port: Number(port) }).then((db) => {
  let stopping;
  const stop = () => (stopping ??= db.stop().finally(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write('URL ' + db.url + '\\n');
}, (err) => {
  process.stderr.write(String(err && err.stack || err) + '\\n');
  process.exit(1);
});
`;

/** A real PostgreSQL server of its own, in a child process, for tests that kill and restart the database. */
export interface PgProcess {
  url: string;
  port: number;
  dir: string;
  /** Stops PostgreSQL (fast shutdown, clients are disconnected) and waits for the child to exit. */
  stop(): Promise<void>;
}

/** Starts PostgreSQL on `dir` (initialised on first use) and `port` (0: any free port). */
export async function startPgProcess(dir: string, port = 0, timeoutMs = 30_000): Promise<PgProcess> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SCRIPT, dir, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const started = Date.now();
  let match: RegExpExecArray | null;
  while (!(match = /^URL (\S+)$/m.exec(out))) {
    if (child.exitCode !== null) throw new Error(`embedded PostgreSQL exited with ${child.exitCode}:\n${out}`);
    if (Date.now() - started > timeoutMs) {
      await stop();
      throw new Error(`embedded PostgreSQL did not start within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = match[1];
  return { url, port: Number(new URL(url).port), dir, stop };
}

/**
 * A TestDatabase view of such a server (for startTestApp's existingDb): one short-lived connection per
 * query, so nothing breaks in the test process when the server goes away.
 */
export function asTestDatabase(url: string): TestDatabase {
  return {
    url,
    name: new URL(url).pathname.slice(1),
    async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
      const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      c.on('error', () => undefined);
      await c.connect();
      try {
        return (await c.query(sql, params)).rows as T[];
      } finally {
        await c.end();
      }
    },
    async drop() {
      // The server and its directory belong to the test that started it.
    },
  };
}
