#!/usr/bin/env node
/*
 * The revoked set's memory, in its own process (scripts/bench.js runs it with --expose-gc):
 *   node --expose-gc bench/revoked-set-memory.js <dist/.../revoked-set.js> N1 N2 ...
 * For each N: a set holding N revocations with ids shaped like the server's (16 random bytes, base64url, 22
 * characters), filled by add() as the change feed does. Prints one JSON line: per N the V8 heap it takes
 * (total and per entry, after a full collection), how long a full reload of N rows takes (load(), as after a
 * change-feed outage), and the cost of one membership check.
 */
'use strict';
const { randomBytes } = require('node:crypto');

const { RevokedSet } = require(process.argv[2]);
const counts = process.argv.slice(3).map(Number);
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const newId = () => randomBytes(16).toString('base64url');
const results = [];
for (const n of counts) {
  const exp = Math.floor(Date.now() / 1000) + 14400;
  const present = [];
  const before = heap();
  const set = new RevokedSet(n);
  set.load([]);
  for (let i = 0; i < n; i++) {
    const id = newId();
    set.add(id, exp + (i % 3600));
    if (i % Math.ceil(n / 1000) === 0) present.push(id);
  }
  // The ids themselves count: the set is what keeps them alive.
  const bytes = heap() - before;

  const rows = [];
  for (let i = 0; i < n; i++) rows.push([newId(), exp]);
  const reloaded = new RevokedSet(n);
  const t0 = process.hrtime.bigint();
  reloaded.load(rows);
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;

  // Most checks are for tokens that are not revoked: ids never seen, as a verification parses them from a token.
  const absent = Array.from({ length: 1000 }, newId);
  const probes = 1_000_000;
  let hits = 0;
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < probes; i++) if (set.has(i % 2 ? present[i % present.length] : absent[i % absent.length])) hits++;
  const hasNs = Number(process.hrtime.bigint() - t1) / probes;
  results.push({ n, bytes, perEntry: bytes / n, loadMs, hasNs, complete: set.complete && reloaded.complete && hits === probes / 2 });
}
process.stdout.write(`${JSON.stringify(results)}\n`);
