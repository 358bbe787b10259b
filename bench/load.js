#!/usr/bin/env node
/*
 * One load run with autocannon, in its own process (scripts/bench.js pins it to the other core).
 * argv[2] names a JSON file holding:
 *   { url, method, headers, body, connections, duration (s) | amount (requests), auths?: [Authorization values to rotate] }
 * Prints one JSON line: 2xx count, non-2xx, errors, elapsed seconds, and latency percentiles of the 2xx answers
 * in milliseconds (autocannon's own histogram has 1 ms resolution, too coarse here, so they are kept exactly).
 */
'use strict';
const autocannon = require('autocannon');
const { readFileSync } = require('node:fs');

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let latencies = new Float64Array(1 << 16);
let count = 0;

function record(ms) {
  if (count === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[count++] = ms;
}

const request = { method: spec.method, body: spec.body, headers: spec.headers };
if (spec.auths?.length) {
  let i = 0;
  const auths = spec.auths;
  request.setupRequest = (req) => ({ ...req, headers: { ...spec.headers, authorization: auths[i++ % auths.length] } });
}

const started = process.hrtime.bigint();
const instance = autocannon(
  {
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.duration }),
    requests: [request],
    timeout: 10,
  },
  (err, result) => {
    if (err) {
      process.stderr.write(`${err.stack ?? err}\n`);
      process.exit(1);
    }
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    const sorted = latencies.subarray(0, count).sort();
    const pct = (p) => (count ? sorted[Math.min(count - 1, Math.floor((p / 100) * count))] : 0);
    process.stdout.write(
      `${JSON.stringify({
        ok: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        elapsed: result.duration || elapsed,
        p50: pct(50),
        p99: pct(99),
      })}\n`,
    );
  },
);
instance.on('response', (_client, status, _bytes, ms) => {
  if (status >= 200 && status < 300) record(ms);
});
