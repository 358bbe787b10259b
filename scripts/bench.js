#!/usr/bin/env node
/*
 * Token endpoint benchmark: prints numbers, asserts nothing.
 *
 *   npm run bench                      # embedded PostgreSQL, 10 s per scenario, 32 connections
 *   BENCH_SECONDS=20 BENCH_CONNECTIONS=64 npm run bench
 *   DATABASE_URL=postgres://... KEY_ENCRYPTION_KEYS=... npm run bench
 *
 * Scenarios: the seed request (client_credentials + client_secret_basic, a known client), the JWKS, and for
 * reference the bare cost of one RS256 signature with jose in this process (the floor for a token).
 * The load generator runs in this process on the same machine, so it takes CPU from the server: on 2 cores
 * the numbers are a lower bound.
 */
'use strict';
const http = require('node:http');
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { randomBytes } = require('node:crypto');

const root = resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 32);
const SEED_AUTH = 'Basic c2VydmljZS1jbGllbnQtand0OnNlcnZpY2UtY2xpZW50LWp3dC1zZWNyZXQ=';

function freePort() {
  return new Promise((res, rej) => {
    const s = require('node:net').createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

async function ready(port) {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/ms-auth-server/oauth2/jwks`);
    return r.ok;
  } catch {
    return false;
  }
}

async function startServer(env) {
  const child = spawn(process.execPath, [join(root, 'dist/apps/auth-server/src/main.js')], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.output = () => out;
  const t0 = Date.now();
  while (!(await ready(env.PORT))) {
    if (child.exitCode !== null || Date.now() - t0 > 60000) throw new Error(`server failed to start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

function percentile(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Closed-loop load: CONNECTIONS keep-alive connections, each sending the next request when the last answered. */
async function load(name, options, body) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies = [];
  const statuses = new Map();
  const deadline = Date.now() + SECONDS * 1000;
  const one = () =>
    new Promise((res) => {
      const t = process.hrtime.bigint();
      const req = http.request({ ...options, agent }, (r) => {
        r.resume();
        r.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
          statuses.set(r.statusCode, (statuses.get(r.statusCode) || 0) + 1);
          res();
        });
      });
      req.on('error', () => {
        statuses.set('error', (statuses.get('error') || 0) + 1);
        res();
      });
      req.end(body);
    });
  const worker = async () => {
    while (Date.now() < deadline) await one();
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (Date.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const done = latencies.length;
  console.log(
    `${name.padEnd(34)} ${(done / elapsed).toFixed(0).padStart(7)} req/s   p50 ${percentile(latencies, 50).toFixed(2)} ms   ` +
      `p99 ${percentile(latencies, 99).toFixed(2)} ms   statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
}

async function signFloor() {
  const jose = await import('jose');
  const { privateKey } = await jose.generateKeyPair('RS256', { modulusLength: 2048 });
  const n = 2000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await new jose.SignJWT({ scope: 'a b c', client_id: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k', typ: 'at+jwt' })
      .setIssuedAt()
      .setExpirationTime('4h')
      .sign(privateKey);
  }
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(`${'jose RS256 sign, one core (floor)'.padEnd(34)} ${(n / secs).toFixed(0).padStart(7)} signs/s`);
}

async function main() {
  let stopDb = async () => undefined;
  let url = process.env.DATABASE_URL;
  let keks = process.env.KEY_ENCRYPTION_KEYS;
  if (!url) {
    const { startEmbeddedPostgres } = require(join(root, 'dist/libs/persistence/src/embedded-postgres.js'));
    const dir = mkdtempSync(join(tmpdir(), 'ms-auth-bench-'));
    const db = await startEmbeddedPostgres({ dir: join(dir, 'pg'), port: 0 });
    url = db.url;
    keks = randomBytes(32).toString('base64url');
    stopDb = async () => {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const port = await freePort();
  const server = await startServer({
    DATABASE_URL: url,
    KEY_ENCRYPTION_KEYS: keks,
    PORT: String(port),
    ADMIN_CLIENT_ID: 'bench-admin',
    ADMIN_CLIENT_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
  });
  try {
    console.log(
      `ms-auth-server benchmark: ${SECONDS} s per scenario, ${CONNECTIONS} connections, node ${process.version}, ${require('node:os').cpus().length} CPUs`,
    );
    await signFloor();
    const base = { host: '127.0.0.1', port };
    // Warm-up: the first request verifies the secret with scrypt and caches the result.
    await load('warm-up', {
      ...base,
      method: 'POST',
      path: '/ms-auth-server/oauth2/token?grant_type=client_credentials',
      headers: { authorization: SEED_AUTH },
    });
    await load('seed request (token, basic auth)', {
      ...base,
      method: 'POST',
      path: '/ms-auth-server/oauth2/token?grant_type=client_credentials&scope=customer.read%20customer.write%20country.read',
      headers: { authorization: SEED_AUTH },
    });
    const form = 'grant_type=client_credentials&scope=customer.read';
    await load(
      'form body (token, basic auth)',
      {
        ...base,
        method: 'POST',
        path: '/ms-auth-server/oauth2/token',
        headers: {
          authorization: SEED_AUTH,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(form),
        },
      },
      form,
    );
    await load('wrong secret (401, scrypt each)', {
      ...base,
      method: 'POST',
      path: '/ms-auth-server/oauth2/token?grant_type=client_credentials',
      headers: { authorization: `Basic ${Buffer.from('service-client-jwt:wrong').toString('base64')}` },
    });
    // Isolation: legitimate clients while another floods wrong secrets (scrypt each) on the same server.
    const flood = load('  flood: wrong secrets', {
      ...base,
      method: 'POST',
      path: '/ms-auth-server/oauth2/token?grant_type=client_credentials',
      headers: { authorization: `Basic ${Buffer.from('service-client-jwt:wrong').toString('base64')}` },
    });
    await load('seed request during that flood', {
      ...base,
      method: 'POST',
      path: '/ms-auth-server/oauth2/token?grant_type=client_credentials',
      headers: { authorization: SEED_AUTH },
    });
    await flood;
    await load('JWKS', { ...base, method: 'GET', path: '/ms-auth-server/oauth2/jwks' });
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.on('exit', r));
    if (process.env.BENCH_SERVER_LOG) require('node:fs').writeFileSync(process.env.BENCH_SERVER_LOG, server.output());
    await stopDb();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
