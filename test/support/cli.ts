import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ADMIN_ID, ADMIN_SECRET, type TestApp } from './test-app';

/** The built command-line tool (`npm test` builds before Jest runs; alone: `npx nest build`). */
const CLI_JS = resolve(__dirname, '../../dist/apps/auth-server/src/cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, or undefined when it is not JSON (usage or error output). */
  json: any;
}

/**
 * Runs the built command-line tool as `npm run cli -- <args>` does (`npm run keys -- <args>` is `keys <args>`),
 * with exactly this environment (plus PATH/HOME) and `stdin` as its whole standard input; killed after `timeoutMs`.
 */
export function runCli(args: string[], env: Record<string, string>, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI_JS, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      done({ code, stdout, stderr, json });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

/**
 * The environment of a CLI run beside `server`: its database, key-encryption keys, issuer (hence the admin audience)
 * and admin client, so what the CLI changes the server honours; `extra` adds or overrides variables (DATA_DIR, ...).
 */
export function cliEnvFor(server: TestApp, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: server.db.url,
    KEY_ENCRYPTION_KEYS: server.config.keys.encryptionKeys.map((k) => k.toString('base64url')).join(','),
    ADMIN_CLIENT_ID: ADMIN_ID,
    ADMIN_CLIENT_SECRET: ADMIN_SECRET,
    SECRET_HASH_LOG_N: '12',
    ISSUER: server.issuer,
    ...extra,
  };
}
