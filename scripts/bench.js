#!/usr/bin/env node
/*
 * The token endpoint against its floor, side by side: prints numbers, asserts nothing.
 *
 *   npm run bench                          # full run, about 13-15 minutes on 2 cores
 *   npm run bench -- --quick               # 2 pairs of 2 s, smaller memory and many-clients cases (~3-4 minutes)
 *   npm run bench -- --pairs 7 --duration 6 --cases seed-c50,es256
 *   DATABASE_URL=postgres://.../scratch KEY_ENCRYPTION_KEYS=... npm run bench   # a scratch database: the run
 *       registers 100,000 bench clients (removed at the end) and switches the signing algorithm twice
 *
 * Options (flag, or environment variable): --pairs N (BENCH_PAIRS, 5), --duration S seconds per run
 * (BENCH_DURATION, 4), --warmup S (BENCH_WARMUP, 1), --rss-tokens N (BENCH_RSS_TOKENS, 1000000),
 * --many N (BENCH_MANY, 100000 registered) --spread N (BENCH_SPREAD, 10000 used), --cases a,b (BENCH_CASES),
 * --json FILE (BENCH_JSON, raw results), --quick. Case names for --cases: seed-c1, seed-c10, seed-c50, seed-c200,
 * form, introspect, jwks, many, reuse, dpop, mtls, es256, eddsa, rss, revoked, refusals, idfilter, claims (static
 * token claims vs none, both on the server), hook (a client asking a local token hook vs one that does not, both on
 * the server).
 *
 * Method. Two servers answer the same requests: the floor (bench/floor.js, a bare Fastify route that parses
 * Basic, compares the secret and signs the same claims with jose on the same key) and the project's server
 * (dist/, production logging on: LOG_LEVEL=info, LOG_FORMAT=json, to a file). Each is loaded alone by autocannon
 * in its own process (bench/load.js), alternating floor, server, floor, server... for N pairs. With taskset and
 * 2+ cores the server under test is pinned to core 0 and the load generator to core 1. Server CPU per request is
 * the change of utime+stime in /proc/<pid>/stat over a run divided by its 2xx answers. Every number is a median
 * over the pairs, with the spread (min-max) beside it; ratios are computed per pair, then the median taken.
 */
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync, readFileSync, openSync, closeSync, existsSync } = require('node:fs');
const { tmpdir, cpus } = require('node:os');
const { join, resolve } = require('node:path');
const { randomBytes } = require('node:crypto');
const { parseArgs } = require('node:util');

const root = resolve(__dirname, '..');
const dist = (p) => join(root, 'dist', p);

// ---------------------------------------------------------------- options
const { values: flags } = parseArgs({
  options: {
    pairs: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    'rss-tokens': { type: 'string' },
    many: { type: 'string' },
    spread: { type: 'string' },
    cases: { type: 'string' },
    json: { type: 'string' },
    quick: { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (flags.help) {
  process.stdout.write(readFileSync(join(__dirname, 'bench.js'), 'utf8').split('*/')[0]);
  process.exit(0);
}
const env = process.env;
const quick = flags.quick || env.BENCH_QUICK === '1';
const num = (flag, name, full, fast) => Number(flags[flag] ?? env[name] ?? (quick ? fast : full));
const PAIRS = num('pairs', 'BENCH_PAIRS', 5, 2);
const DURATION = num('duration', 'BENCH_DURATION', 4, 2);
const WARMUP = num('warmup', 'BENCH_WARMUP', 1, 0.5);
const RSS_TOKENS = num('rss-tokens', 'BENCH_RSS_TOKENS', 1_000_000, 200_000);
const MANY = num('many', 'BENCH_MANY', 100_000, 20_000);
const SPREAD = num('spread', 'BENCH_SPREAD', 10_000, 2_000);
const ONLY = (flags.cases ?? env.BENCH_CASES ?? '').split(',').filter(Boolean);
const JSON_OUT = flags.json ?? env.BENCH_JSON;
const want = (name) => ONLY.length === 0 || ONLY.includes(name);

// ---------------------------------------------------------------- the seed's request
const BASE = '/ms-auth-server';
const SEED_ID = 'service-client-jwt';
const SEED_SECRET = 'service-client-jwt-secret';
const SEED_SCOPES = ['customer.read', 'customer.write', 'country.read'];
const SEED_AUTH = 'Basic c2VydmljZS1jbGllbnQtand0OnNlcnZpY2UtY2xpZW50LWp3dC1zZWNyZXQ=';
const SEED_PATH = `${BASE}/oauth2/token?grant_type=client_credentials&scope=customer.read%20customer.write%20country.read`;
const MANY_PREFIX = 'bench-many-';
const MANY_SECRET = 'bench-many-client-secret-0123456789abcdef';
const HASH_LOG_N = 10;
/** RevocationStore's bound on the revoked ids it keeps in memory (MAX_IN_MEMORY); past it every check asks PostgreSQL. */
const REVOKED_BOUND = 100_000;
const REVOKED_COUNTS = [10_000, REVOKED_BOUND];

// ---------------------------------------------------------------- processes and measurements
const cores = cpus().length;
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return cores >= 2;
  } catch {
    return false;
  }
})();
const SERVER_CORE = ['taskset', '-c', '0'];
const LOAD_CORE = ['taskset', '-c', '1'];
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

function pinned(core, cmd, args) {
  return hasTaskset ? [core[0], [...core.slice(1), cmd, ...args]] : [cmd, args];
}

/** CPU seconds (user + system, all threads) the process has used so far. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The server's live V8 heap (prom-client's nodejs_heap_size_used_bytes at {BASE}/metrics), in MiB. */
async function heapUsedMiB(server) {
  try {
    const text = await (await fetch(`http://127.0.0.1:${server.port}${BASE}/metrics`)).text();
    const m = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
    return m ? Number(m[1]) / 1048576 : NaN;
  } catch {
    return NaN;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts a process pinned to the server core, its output into `logFile`; resolves once `readyPath` answers 200. */
async function startProcess(name, args, procEnv, port, readyPath, logFile) {
  const fd = openSync(logFile, 'a');
  const [cmd, argv] = pinned(SERVER_CORE, process.execPath, args);
  const child = spawn(cmd, argv, { env: { PATH: env.PATH, HOME: env.HOME, ...procEnv }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise((r) => child.on('exit', r));
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
    if (Date.now() - t0 > 120_000) throw new Error(`${name} did not start:\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}${readyPath}`)).ok) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return {
    name,
    port,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

let workDir = tmpdir();
let loadRuns = 0;

/** One autocannon run in its own process on the load core; returns its result plus the server's CPU and RSS. */
function runLoad(server, spec) {
  return new Promise((res, rej) => {
    const specFile = join(workDir, `load-${++loadRuns}.json`);
    writeFileSync(specFile, JSON.stringify({ ...spec, url: `http://127.0.0.1:${server.port}${spec.path}` }));
    const [cmd, argv] = pinned(LOAD_CORE, process.execPath, [join(root, 'bench/load.js'), specFile]);
    const cpu0 = cpuSeconds(server.pid);
    // RSS sampled through the run: one sample lands anywhere in the garbage collector's cycle, the peak does not.
    let rssPeak = rssMiB(server.pid);
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(server.pid))), 250);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      clearInterval(sampler);
      const cpu = cpuSeconds(server.pid) - cpu0;
      rmSync(specFile, { force: true });
      if (code !== 0) return rej(new Error(`load generator exited with ${code}`));
      const r = JSON.parse(out.trim().split('\n').pop());
      const rss = rssMiB(server.pid);
      res({ ...r, rps: r.ok / r.elapsed, cpuPerReqUs: r.ok ? (cpu / r.ok) * 1e6 : NaN, cpu, rss, rssPeak: Math.max(rssPeak, rss) });
    });
  });
}

// ---------------------------------------------------------------- statistics and output
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const spread = (xs) => [Math.min(...xs), Math.max(...xs)];
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const withSpread = (xs, d = 0) => `${fmt(median(xs), d)} (${fmt(spread(xs)[0], d)}–${fmt(spread(xs)[1], d)})`;

const rows = [];
const notes = [];
const raw = [];

/**
 * A/B: floor then server, PAIRS times, each alone under the same load; one table row. `serverSpec` differs from
 * `spec` only where each side needs its own data (introspection: a token that side issued).
 */
async function compare(name, floor, server, spec, serverSpec = spec) {
  process.stderr.write(`  ${name}, ${spec.connections} connections: `);
  if (WARMUP > 0) {
    await runLoad(floor, { ...spec, duration: WARMUP });
    await runLoad(server, { ...serverSpec, duration: WARMUP });
  }
  const pairs = [];
  for (let i = 0; i < PAIRS; i++) {
    const f = await runLoad(floor, { ...spec, duration: DURATION });
    const s = await runLoad(server, { ...serverSpec, duration: DURATION });
    pairs.push({ f, s });
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const row = {
    name,
    connections: spec.connections,
    serverRps: pairs.map((p) => p.s.rps),
    floorRps: pairs.map((p) => p.f.rps),
    serverCpu: pairs.map((p) => p.s.cpuPerReqUs),
    floorCpu: pairs.map((p) => p.f.cpuPerReqUs),
    cpuRatio: pairs.map((p) => p.s.cpuPerReqUs / p.f.cpuPerReqUs),
    serverP50: pairs.map((p) => p.s.p50),
    floorP50: pairs.map((p) => p.f.p50),
    serverP99: pairs.map((p) => p.s.p99),
    floorP99: pairs.map((p) => p.f.p99),
    p99Ratio: pairs.map((p) => p.s.p99 / p.f.p99),
    failures: pairs.reduce((n, p) => n + p.s.non2xx + p.s.errors + p.s.timeouts + p.f.non2xx + p.f.errors + p.f.timeouts, 0),
    serverRss: pairs[pairs.length - 1].s.rss,
  };
  rows.push(row);
  raw.push({ name, connections: spec.connections, pairs });
  process.stderr.write(
    `    tokens/s ${withSpread(row.serverRps)} vs floor ${withSpread(row.floorRps)}; CPU µs/req ${withSpread(row.serverCpu)} vs ` +
      `${withSpread(row.floorCpu)}, ratio ${withSpread(row.cpuRatio, 2)}; p99 ratio ${withSpread(row.p99Ratio, 2)}\n`,
  );
  return row;
}

function printTable() {
  const out = [];
  out.push(
    '| case | conns | server tokens/s | floor tokens/s | server CPU µs/req | floor CPU µs/req | CPU ratio | server p50 ms | floor p50 ms | server p99 ms | floor p99 ms | p99 ratio | failures |',
  );
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    out.push(
      `| ${r.name} | ${r.connections} | ${withSpread(r.serverRps)} | ${withSpread(r.floorRps)} | ${withSpread(r.serverCpu)} | ${withSpread(r.floorCpu)} | ` +
        `**${withSpread(r.cpuRatio, 2)}** | ${fmt(median(r.serverP50), 2)} | ${fmt(median(r.floorP50), 2)} | ${fmt(median(r.serverP99), 2)} | ` +
        `${fmt(median(r.floorP99), 2)} | ${withSpread(r.p99Ratio, 2)} | ${r.failures} |`,
    );
  }
  process.stdout.write(`\n${out.join('\n')}\n\n`);
  for (const n of notes) process.stdout.write(`- ${n}\n`);
}

// ---------------------------------------------------------------- the project: database, clients, keys
async function main() {
  for (const f of ['apps/auth-server/src/main.js', 'libs/keys/src/key-encrypter.js', 'libs/clients/src/secrets/secret-hasher.js']) {
    if (!existsSync(dist(f))) throw new Error(`dist/${f} is missing: run npm run build (npm run bench does)`);
  }
  const work = mkdtempSync(join(tmpdir(), 'ms-auth-bench-'));
  workDir = work;
  const cleanups = [() => rmSync(work, { recursive: true, force: true })];
  const running = new Set();
  const cleanup = async () => {
    for (const p of running) await p.stop().catch(() => undefined);
    running.clear();
    for (const c of cleanups) await c();
  };
  process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    let url = env.DATABASE_URL;
    let kek = env.KEY_ENCRYPTION_KEYS;
    if (!url) {
      const { startEmbeddedPostgres } = require(dist('libs/persistence/src/embedded-postgres.js'));
      const db = await startEmbeddedPostgres({ dir: join(work, 'pg'), port: 0 });
      url = db.url;
      kek = randomBytes(32).toString('base64url');
      cleanups.unshift(() => db.stop());
    } else if (!kek) {
      throw new Error('KEY_ENCRYPTION_KEYS must be set with DATABASE_URL');
    }
    const { Client } = require('pg');
    const pg = new Client({ connectionString: url });
    await pg.connect();
    cleanups.unshift(() => pg.end());

    const { KeyEncrypter } = require(dist('libs/keys/src/key-encrypter.js'));
    const { SecretHasher } = require(dist('libs/clients/src/secrets/secret-hasher.js'));
    const { parseConfig } = require(dist('libs/config/src/index.js'));
    const hashing = parseConfig({ SECRET_HASH_LOG_N: String(HASH_LOG_N) });
    const hasher = new SecretHasher(hashing.secrets, hashing.throttle);
    const encrypter = new KeyEncrypter(kek.split(',').map((k) => Buffer.from(k.trim(), 'base64url')));

    const { freePort } = require(dist('libs/persistence/src/free-port.js'));
    const port = await freePort();
    const floorPort = await freePort();
    const adminSecret = randomBytes(32).toString('base64url');
    const serverLog = join(work, 'server.log');
    const startServer = async (extra = {}) => {
      const s = await startProcess(
        'server',
        [dist('apps/auth-server/src/main.js')],
        {
          DATABASE_URL: url,
          KEY_ENCRYPTION_KEYS: kek,
          PORT: String(port),
          ADMIN_CLIENT_ID: 'bench-admin',
          ADMIN_CLIENT_SECRET: adminSecret,
          SECRET_HASH_LOG_N: String(HASH_LOG_N),
          LOG_LEVEL: env.LOG_LEVEL ?? 'info',
          LOG_FORMAT: 'json',
          ...extra,
        },
        port,
        `${BASE}/oauth2/jwks`,
        serverLog,
      );
      running.add(s);
      return s;
    };
    const stop = async (p) => {
      running.delete(p);
      await p.stop();
    };

    /** The floor, on the key the server signs with now. */
    const startFloor = async (issuer, { many } = {}) => {
      const { rows: keys } = await pg.query(`SELECT kid, alg, private_key FROM signing_keys WHERE status = 'active'`);
      const keyFile = join(work, `floor-${keys[0].kid}.pem`);
      writeFileSync(keyFile, encrypter.open(keys[0].private_key, keys[0].kid), { mode: 0o600 });
      const clientsFile = join(work, 'floor-clients.json');
      writeFileSync(clientsFile, JSON.stringify([{ id: SEED_ID, secret: SEED_SECRET, scopes: SEED_SCOPES }]));
      const f = await startProcess(
        'floor',
        [join(root, 'bench/floor.js')],
        {
          FLOOR_PORT: String(floorPort),
          FLOOR_ISSUER: issuer,
          FLOOR_KEY_FILE: keyFile,
          FLOOR_KID: keys[0].kid,
          FLOOR_ALG: keys[0].alg,
          FLOOR_CLIENTS: clientsFile,
          ...(many ? { FLOOR_MANY: `${MANY_PREFIX} ${MANY} ${MANY_SECRET} customer.read` } : {}),
        },
        floorPort,
        `${BASE}/oauth2/jwks`,
        join(work, 'floor.log'),
      );
      running.add(f);
      return { floor: f, alg: keys[0].alg };
    };

    process.stderr.write(
      `ms-auth-server benchmark: ${PAIRS} pairs × ${DURATION} s (+${WARMUP} s warm-up) per case, node ${process.version}, ` +
        `${cores} CPUs, ${hasTaskset ? 'server on core 0, load on core 1 (taskset)' : 'not pinned (no taskset or one core)'}\n`,
    );
    const startedAt = Date.now();

    // ------------------------------------------------------------ RS256
    let server = await startServer();
    const issuer = `http://localhost:${port}${BASE}`;
    const seedHash = await hasher.hash(SEED_SECRET);
    // The seed's playground client, registered here too in case this server does not seed it, with its change-feed
    // row like every writer of clients: the server learns of the id within one poll interval.
    await pg.query(
      `WITH announced AS (INSERT INTO change_log (topic, key) VALUES ('client', $1))
       INSERT INTO oauth_clients (client_id, client_name, secret_hash, scopes) VALUES ($1, 'seed playground client', $2, $3)
       ON CONFLICT (client_id) DO NOTHING`,
      [SEED_ID, seedHash, SEED_SCOPES],
    );
    await untilServed(port, SEED_AUTH);
    /**
     * A client with the seed's secret and scopes plus `columns`, announced on the change feed as every writer of
     * clients does (the running server learns of the id within a poll); its Basic header once the server serves it.
     */
    const seedLikeClient = async (clientId, columns) => {
      const names = Object.keys(columns);
      await pg.query(
        `WITH announced AS (INSERT INTO change_log (topic, key) VALUES ('client', $1))
         INSERT INTO oauth_clients (client_id, secret_hash, scopes, ${names.join(', ')})
         VALUES ($1, $2, $3, ${names.map((_, i) => `$${i + 4}`).join(', ')})
         ON CONFLICT (client_id) DO UPDATE SET ${names.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`,
        [clientId, seedHash, SEED_SCOPES, ...Object.values(columns)],
      );
      cleanups.unshift(() => pg.query('DELETE FROM oauth_clients WHERE client_id = $1', [clientId]).then(() => undefined));
      const auth = `Basic ${Buffer.from(`${clientId}:${SEED_SECRET}`).toString('base64')}`;
      await untilServed(port, auth);
      return auth;
    };
    let { floor } = await startFloor(issuer);
    const seed = (connections) => ({ method: 'POST', path: SEED_PATH, headers: { authorization: SEED_AUTH }, connections });

    for (const c of [1, 10, 50, 200]) if (want(`seed-c${c}`)) await compare(`seed request, RS256`, floor, server, seed(c));
    if (want('form')) {
      const body = 'grant_type=client_credentials&scope=customer.read%20country.read';
      await compare('form-body request, RS256', floor, server, {
        method: 'POST',
        path: `${BASE}/oauth2/token`,
        headers: { authorization: SEED_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
        body,
        connections: 50,
      });
    }
    // Token claims feature: the same request for a client with static claims and for one without, both on this
    // server (the "floor" columns of this row are the client without claims). The signature dominates; what the
    // claims add is serialising them (once per client row) and the longer payload to encode and hash.
    if (want('claims')) {
      const claims = { tenant: 'acme', team: 'payments', environment: 'production', region: 'eu-west-1', cost_center: 'cc-4711' };
      const auth = await seedLikeClient('bench-claims', { token_claims: JSON.stringify(claims) });
      const row = await compare('static claims (5) vs none, RS256', server, server, seed(50), {
        ...seed(50),
        headers: { authorization: auth },
      });
      notes.push(
        `a client with 5 static claims vs the same client without (50 connections, same server): CPU per token ` +
          `${withSpread(row.cpuRatio, 3)}×, tokens/s ${fmt(median(row.serverRps))} vs ${fmt(median(row.floorRps))}`,
      );
    }
    if (want('introspect')) {
      const tokenOf = async (p) => {
        const r = await fetch(`http://127.0.0.1:${p.port}${SEED_PATH}`, { method: 'POST', headers: { authorization: SEED_AUTH } });
        return (await r.json()).access_token;
      };
      const spec = (token) => ({
        method: 'POST',
        path: `${BASE}/oauth2/introspect`,
        headers: { authorization: SEED_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${token}`,
        connections: 50,
      });
      // Each side introspects a token it issued itself; the floor checks signature, issuer and typ only.
      const floorToken = await tokenOf(floor);
      const serverToken = await tokenOf(server);
      const row = await compare('introspection of a valid token', floor, server, spec(floorToken), spec(serverToken));
      const issuing = rows.find((r) => r.name === 'seed request, RS256' && r.connections === 50);
      if (issuing) {
        notes.push(
          `introspection vs issuing on the server (50 connections): ${fmt(median(row.serverRps))} vs ${fmt(median(issuing.serverRps))} requests/s, ` +
            `${fmt(median(row.serverCpu))} vs ${fmt(median(issuing.serverCpu))} µs CPU per request`,
        );
      }
    }
    if (want('jwks')) await compare('JWKS', floor, server, { method: 'GET', path: `${BASE}/oauth2/jwks`, connections: 50 });

    if (want('many')) {
      const t0 = Date.now();
      const manyHash = await hasher.hash(MANY_SECRET);
      await pg.query(
        `INSERT INTO oauth_clients (client_id, secret_hash, scopes)
         SELECT $1 || lpad(i::text, 6, '0'), $2, '{customer.read}' FROM generate_series(1, $3::int) AS i
         ON CONFLICT (client_id) DO NOTHING`,
        [MANY_PREFIX, manyHash, MANY],
      );
      cleanups.unshift(() => pg.query(`DELETE FROM oauth_clients WHERE client_id LIKE 'bench-many-%'`).then(() => undefined));
      // Registered by SQL without change-feed rows: a restart reads every id into the server's id filter.
      await stop(server);
      server = await startServer();
      const step = Math.max(1, Math.floor(MANY / SPREAD));
      const auths = [];
      for (let i = step; i <= MANY && auths.length < SPREAD; i += step) {
        auths.push(`Basic ${Buffer.from(`${MANY_PREFIX}${String(i).padStart(6, '0')}:${MANY_SECRET}`).toString('base64')}`);
      }
      await stop(floor);
      ({ floor } = await startFloor(issuer, { many: true }));
      const rssBefore = rssMiB(server.pid);
      const spec = { method: 'POST', path: `${BASE}/oauth2/token?grant_type=client_credentials`, headers: {}, auths, connections: 50 };
      // Warm: every one of the clients once (one scrypt verification each at SECRET_HASH_LOG_N=10), on few
      // connections so the hashing queue is not overrun (it answers 429 beyond its bound); again if any failed.
      for (let pass = 0; pass < 3; pass++) {
        const warm = await runLoad(server, { ...spec, connections: 8, amount: auths.length });
        if (warm.non2xx + warm.errors + warm.timeouts === 0) break;
      }
      const setup = (Date.now() - t0) / 1000;
      const row = await compare(`${SPREAD} of ${MANY} clients, RS256`, floor, server, spec);
      const one = rows.find((r) => r.name === 'seed request, RS256' && r.connections === 50);
      notes.push(
        `${SPREAD} of ${MANY} clients: registered by SQL and warmed in ${fmt(setup)} s; server RSS ${fmt(rssBefore)} MiB before, ` +
          `${fmt(row.serverRss)} MiB with ${SPREAD} clients cached` +
          (one
            ? `; ${fmt((100 * median(row.serverRps)) / median(one.serverRps))}% of the one-client rate (seed request, 50 connections)`
            : ''),
      );
      await stop(floor);
      ({ floor } = await startFloor(issuer));
    }
    await stop(server);

    // ------------------------------------------------------------ token reuse
    if (want('reuse')) {
      server = await startServer({ TOKEN_REUSE_SECONDS: '60' });
      const row = await compare('seed request, RS256, TOKEN_REUSE_SECONDS=60', floor, server, seed(50));
      const off = rows.find((r) => r.name === 'seed request, RS256' && r.connections === 50);
      if (off) {
        notes.push(
          `token reuse on vs off (seed request, 50 connections): ${fmt(median(row.serverRps))} vs ${fmt(median(off.serverRps))} tokens/s, ` +
            `${fmt(median(row.serverRps) / median(off.serverRps), 2)}×`,
        );
      }
      await stop(server);
    }

    // ------------------------------------------------------------ sender-constrained tokens (DPoP, mTLS)
    if (want('dpop') || want('mtls')) await senderConstrained({ startServer, stop, floor, pg, seed, issuer, work });
    await stop(floor);

    // ------------------------------------------------------------ token hook (token claims feature)
    // A client with token_hook: true against the seed client on the same server, the hook a minimal local HTTP
    // server in this process answering one claim: what the hook costs the server (one signed POST on a kept-alive
    // connection, its answer parsed and checked), not what a real hook's own work costs.
    if (want('hook')) {
      const hookServer = require('node:http').createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"claims":{"entitlements":["orders:read"]}}'));
      });
      await new Promise((r) => hookServer.listen(0, '127.0.0.1', r));
      const hookUrl = `http://127.0.0.1:${hookServer.address().port}/hook`;
      server = await startServer({ TOKEN_HOOK_URL: hookUrl, TOKEN_HOOK_SECRET: randomBytes(32).toString('base64url') });
      const auth = await seedLikeClient('bench-hook', { token_hook: true });
      const row = await compare('token hook (local) vs none, RS256', server, server, seed(50), {
        ...seed(50),
        headers: { authorization: auth },
      });
      notes.push(
        `a client asking a local token hook vs one that does not (50 connections, same server): CPU per token ` +
          `${withSpread(row.cpuRatio, 2)}×, p50 ${fmt(median(row.serverP50), 2)} vs ${fmt(median(row.floorP50), 2)} ms, ` +
          `tokens/s ${fmt(median(row.serverRps))} vs ${fmt(median(row.floorRps))}`,
      );
      await stop(server);
      await new Promise((r) => hookServer.close(r));
    }

    // ------------------------------------------------------------ ES256, EdDSA (their own floors)
    for (const alg of ['ES256', 'EdDSA']) {
      if (!want(alg.toLowerCase())) continue;
      server = await startServer({ SIGNING_ALG: alg });
      ({ floor } = await startFloor(issuer));
      await compare(`seed request, ${alg}`, floor, server, seed(50));
      await stop(floor);
      await stop(server);
    }

    // ------------------------------------------------------------ memory over many tokens
    if (want('rss')) {
      server = await startServer({ SIGNING_ALG: 'EdDSA' });
      const first = Math.round(RSS_TOKENS / 10);
      process.stderr.write(`  RSS over ${RSS_TOKENS} tokens (EdDSA, the fastest signature, 50 connections)\n`);
      const a = await runLoad(server, { ...seed(50), amount: first });
      const heapA = await heapUsedMiB(server);
      const b = await runLoad(server, { ...seed(50), amount: RSS_TOKENS - first });
      const heapB = await heapUsedMiB(server);
      notes.push(
        `server RSS peak over the first ${first} tokens: ${fmt(a.rssPeak)} MiB; over the next ${RSS_TOKENS - first}: ` +
          `${fmt(b.rssPeak)} MiB (${fmt((100 * (b.rssPeak - a.rssPeak)) / a.rssPeak, 1)}%); single samples at the end of each: ` +
          `${fmt(a.rss)} and ${fmt(b.rss)} MiB (${fmt((100 * (b.rss - a.rss)) / a.rss, 1)}%); V8 heap in use then ` +
          `${fmt(heapA)} and ${fmt(heapB)} MiB; EdDSA so the run is short; ` +
          `${a.ok + b.ok} answered 200, ${a.non2xx + b.non2xx + a.errors + b.errors} failed`,
      );
      raw.push({ name: 'rss', first: a, rest: b });
      await stop(server);
    }

    // ------------------------------------------------------------ the revoked set: memory, and checks past its bound
    if (want('revoked')) {
      process.stderr.write(`  revoked set: memory at ${REVOKED_COUNTS.join(', ')} entries, introspection at and past ${REVOKED_BOUND}\n`);
      const memory = JSON.parse(
        execFileSync(process.execPath, [
          '--expose-gc',
          join(root, 'bench/revoked-set-memory.js'),
          dist('libs/oauth/src/revocation/revoked-set.js'),
          ...REVOKED_COUNTS.map(String),
        ]).toString(),
      );
      for (const m of memory) {
        notes.push(
          `revoked set holding ${m.n} ids: ${fmt(m.bytes / 1048576, 1)} MiB of V8 heap (${fmt(m.perEntry)} bytes per id, ids included); ` +
            `a full reload of ${m.n} rows into it blocks the event loop ${fmt(m.loadMs)} ms; one check ${fmt(m.hasNs)} ns`,
        );
      }
      raw.push({ name: 'revoked-set-memory', memory });

      // The bound's worth of unexpired revocations, by SQL; the server loads them at start.
      await pg.query(
        `INSERT INTO revoked_tokens (jti, client_id, revoked_at, expires_at)
         SELECT 'bench-revoked-' || i, $1, now(), now() + interval '1 hour' FROM generate_series(1, $2::int) AS i
         ON CONFLICT (jti) DO NOTHING`,
        [SEED_ID, REVOKED_BOUND],
      );
      cleanups.unshift(() => pg.query(`DELETE FROM revoked_tokens WHERE jti LIKE 'bench-revoked-%'`).then(() => undefined));
      server = await startServer();
      const issued = await fetch(`http://127.0.0.1:${server.port}${SEED_PATH}`, { method: 'POST', headers: { authorization: SEED_AUTH } });
      const spec = {
        method: 'POST',
        path: `${BASE}/oauth2/introspect`,
        headers: { authorization: SEED_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${(await issued.json()).access_token}`,
        connections: 50,
      };
      // Database transactions per introspection, from pg_stat_database. A backend flushes its counts at most once a
      // second while busy and up to 10 s after it goes idle, so the second sample waits `settleMs` after a run that
      // used the database, and the first follows a run that did not. The server's change-feed polls add about two
      // transactions a second (under 0.01 per request here).
      const transactions = async () =>
        Number(
          (await pg.query(`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`)).rows[0].n,
        );
      const measure = async (settleMs, warm) => {
        if (warm) await runLoad(server, { ...spec, duration: WARMUP || 0.5 });
        await sleep(1500);
        const before = await transactions();
        const r = await runLoad(server, { ...spec, duration: DURATION });
        await sleep(settleMs);
        return { ...r, perRequest: ((await transactions()) - before) / (r.ok + r.non2xx) };
      };
      const heap = await heapUsedMiB(server);
      const within = await measure(1500, true);
      // One more revocation, published as the server publishes one, takes every instance's set past its bound.
      await pg.query(
        `INSERT INTO revoked_tokens (jti, client_id, revoked_at, expires_at) VALUES ('bench-revoked-over', $1, now(), now() + interval '1 hour')`,
        [SEED_ID],
      );
      await pg.query(`INSERT INTO change_log (topic, key) VALUES ('revocation', $1)`, [
        `${Math.floor(Date.now() / 1000) + 3600} bench-revoked-over`,
      ]);
      // Not warmed again: a warm-up would use the database, and its counts would land in the first sample. The
      // pause before that sample also covers one change-poll interval (500 ms), for the overflow to arrive.
      const past = await measure(11_000, false);
      const line = (r) =>
        `${fmt(r.rps)} introspections/s, ${fmt(r.cpuPerReqUs)} µs server CPU each, p99 ${fmt(r.p99, 2)} ms, ` +
        `${fmt(r.perRequest, 2)} database transactions each, ${r.non2xx + r.errors + r.timeouts} failed`;
      notes.push(`introspection with ${REVOKED_BOUND} revoked ids held in memory (server heap ${fmt(heap)} MiB): ${line(within)}`);
      notes.push(`introspection past the bound (${REVOKED_BOUND + 1} revoked; each check asks PostgreSQL): ${line(past)}`);
      raw.push({ name: 'revoked-introspection', within, past });
      await stop(server);
    }

    // ------------------------------------------------------------ what a stranger costs, beside a token
    if (want('refusals')) await refusals(startServer, stop, pg, port, notes);
    if (want('idfilter')) idFilterMemory(notes);

    notes.unshift(
      `${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cores} CPUs (${cpus()[0].model.trim()}), ` +
        `${hasTaskset ? 'server pinned to core 0 and autocannon to core 1' : 'no pinning'}; ${PAIRS} pairs of ${DURATION} s per case; ` +
        `whole run ${fmt((Date.now() - startedAt) / 60000, 1)} min`,
    );
    printTable();
    if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ rows, notes, raw }, null, 2));
  } finally {
    await cleanup();
  }
}

/** Polls until the server answers the seed request with 200 (a client registered by SQL reached its id filter). */
async function untilServed(port, authorization) {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`http://127.0.0.1:${port}${SEED_PATH}`, { method: 'POST', headers: { authorization } });
    if (res.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server never served the seed request');
}

/**
 * Server CPU per answered request for an issued token and for three refusals a stranger can send at will: a wrong
 * secret for a client whose secret was generated (a SHA-256 digest), an unknown client id (the id filter), and a
 * wrong secret for a client whose secret was supplied (scrypt at the default SECRET_HASH_LOG_N=15). The throttle is
 * opened wide so every request is really checked.
 */
async function refusals(startServer, stop, pg, port, notes) {
  const { createHash } = require('node:crypto');
  const generated = randomBytes(32).toString('base64url');
  const supplied = 'a-supplied-secret-of-32-characters';
  const { SecretHasher } = require(dist('libs/clients/src/secrets/secret-hasher.js'));
  const { parseConfig } = require(dist('libs/config/src/index.js'));
  const defaults = parseConfig({});
  const slowHash = await new SecretHasher(defaults.secrets, defaults.throttle).hash(supplied);
  const fastHash = `$sha256$${createHash('sha256').update(generated).digest('base64').slice(0, 43)}`;
  await pg.query(
    `INSERT INTO oauth_clients (client_id, secret_hash, scopes) VALUES ('bench-generated', $1, '{a}'), ('bench-supplied', $2, '{a}')
     ON CONFLICT (client_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash`,
    [fastHash, slowHash],
  );
  const server = await startServer({
    SECRET_HASH_LOG_N: '15',
    THROTTLE_CLIENT_BURST: '1000000',
    THROTTLE_SOURCE_BURST: '1000000',
    THROTTLE_SLOW_PER_MINUTE: '1000000',
    THROTTLE_HASH_QUEUE: '10000',
  });
  const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const path = `${BASE}/oauth2/token?grant_type=client_credentials`;
  const cases = [
    ['issued token (generated secret)', [basic('bench-generated', generated)], 50],
    [
      'refused: wrong generated secret',
      Array.from({ length: 1000 }, () => basic('bench-generated', randomBytes(32).toString('base64url'))),
      50,
    ],
    [
      'refused: unknown client id',
      Array.from({ length: 1000 }, () => basic(`stranger-${randomBytes(8).toString('hex')}`, 'x'.repeat(43))),
      50,
    ],
    ['refused: wrong supplied secret (scrypt)', Array.from({ length: 100 }, (_, i) => basic('bench-supplied', `wrong-${i}`)), 4],
  ];
  const out = [];
  for (const [name, auths, connections] of cases) {
    const spec = { method: 'POST', path, headers: {}, auths, connections };
    if (WARMUP > 0) await runLoad(server, { ...spec, duration: WARMUP });
    const runs = [];
    for (let i = 0; i < PAIRS; i++) {
      const r = await runLoad(server, { ...spec, duration: DURATION });
      const answered = r.ok + r.non2xx;
      runs.push({ cpuUs: (r.cpu / answered) * 1e6, rps: answered / r.elapsed, ok: r.ok });
    }
    out.push(`${name} ${withSpread(runs.map((r) => r.cpuUs))} µs CPU (${fmt(median(runs.map((r) => r.rps)))}/s)`);
    process.stderr.write(`  ${out[out.length - 1]}\n`);
  }
  await stop(server);
  await pg.query(`DELETE FROM oauth_clients WHERE client_id IN ('bench-generated', 'bench-supplied')`);
  notes.push(`server CPU per answered request, median (min–max): ${out.join('; ')}`);
}

/** Memory of the id filter that refuses never-registered client ids, at 100,000 and 1,000,000 ids. */
function idFilterMemory(notes) {
  const { IdFilter } = require(dist('libs/clients/src/directory/id-filter.js'));
  const parts = [];
  for (const n of [100_000, 1_000_000]) {
    const t0 = process.hrtime.bigint();
    // Sized as the server sizes it at start: for twice the registered ids.
    const filter = new IdFilter(n * 2);
    for (let i = 0; i < n; i++) filter.add(`client-${i.toString(36).padStart(8, '0')}-${i}`);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    let positives = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mayContain(`stranger-${i}`)) positives++;
    parts.push(
      `${n.toLocaleString('en')} ids: ${fmt(filter.bytes / 1024 / 1024, 1)} MiB, built in ${fmt(ms)} ms, ${fmt(positives / 1000, 2)} % false positives`,
    );
  }
  process.stderr.write(`  id filter: ${parts.join('; ')}\n`);
  notes.push(`id filter (never-registered client ids cost no database trip): ${parts.join('; ')}`);
}

/**
 * The seed request with a DPoP proof (a fresh one per request, signed by the load generator), and a tls_client_auth
 * request whose certificate arrives in a trusted proxy's header, each against the floor's plain request; the notes
 * give what binding adds per request on the server beside what the floor spends on a whole token (mostly its signature).
 */
async function senderConstrained({ startServer, stop, floor, pg, seed, issuer, work }) {
  const ca = join(work, 'mtls-ca');
  const client = join(work, 'mtls-client');
  const ssl = (...args) => execFileSync('openssl', args, { stdio: 'ignore' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=bench CA',
    '-days',
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
    '-keyout',
    `${ca}.key`,
    '-out',
    `${ca}.pem`,
  );
  ssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=bench-mtls',
    '-keyout',
    `${client}.key`,
    '-out',
    `${client}.csr`,
  );
  writeFileSync(`${client}.ext`, 'subjectAltName=DNS:bench-mtls.example\n');
  ssl(
    'x509',
    '-req',
    '-in',
    `${client}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    `${client}.ext`,
    '-out',
    `${client}.pem`,
  );
  await pg.query(
    `INSERT INTO oauth_clients (client_id, scopes, token_endpoint_auth_method, tls_client_auth_san_dns, tls_client_certificate_bound_access_tokens)
     VALUES ('bench-mtls', '{customer.read}', 'tls_client_auth', 'bench-mtls.example', true) ON CONFLICT (client_id) DO NOTHING`,
  );
  const server = await startServer({
    MTLS_CLIENT_CERT_HEADER: 'x-client-cert',
    TRUST_PROXY: '127.0.0.1',
    MTLS_CLIENT_CA_FILE: `${ca}.pem`,
  });
  const plain = await compare('seed request, RS256 (plain, this server run)', floor, server, seed(50));
  const extra = (row) =>
    `${fmt(median(row.serverCpu) - median(plain.serverCpu))} µs CPU per request more than the plain request on the server ` +
    `(${fmt(median(row.serverCpu))} vs ${fmt(median(plain.serverCpu))}), the floor's whole token costing ${fmt(median(row.floorCpu))} µs; ` +
    `${fmt(median(row.serverRps))} vs ${fmt(median(plain.serverRps))} tokens/s`;
  if (want('dpop')) {
    const { generateKeyPairSync } = require('node:crypto');
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const spec = { ...seed(50), dpop: { jwk, htu: `${issuer}/oauth2/token` } };
    const row = await compare('seed request + DPoP proof (ES256), RS256', floor, server, seed(50), spec);
    notes.push(`DPoP (proof check, jti insert into PostgreSQL, cnf): ${extra(row)}`);
  }
  if (want('mtls')) {
    const header = encodeURIComponent(readFileSync(`${client}.pem`, 'utf8'));
    const spec = {
      method: 'POST',
      path: `${BASE}/oauth2/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-client-cert': header },
      body: 'grant_type=client_credentials&client_id=bench-mtls&scope=customer.read',
      connections: 50,
    };
    const row = await compare('tls_client_auth via proxy header + x5t#S256, RS256', floor, server, seed(50), spec);
    notes.push(`mTLS (certificate parse, chain and SAN check, x5t#S256; TLS itself at the proxy): ${extra(row)}`);
  }
  await pg.query(`DELETE FROM oauth_clients WHERE client_id = 'bench-mtls'`);
  await stop(server);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
