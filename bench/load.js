#!/usr/bin/env node
/*
 * One load run with autocannon, in its own process (scripts/bench.js pins it to the other core).
 * argv[2] names a JSON file holding:
 *   { url, method, headers, body, connections, duration (s) | amount (requests), auths?: [Authorization values to rotate],
 *     dpop?: { jwk, htu } (a fresh DPoP proof per request) }
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
/** spec.dpop = { jwk: private EC P-256 JWK, htu }: a fresh DPoP proof (RFC 9449) per request, signed here. */
const dpopProof = spec.dpop ? dpopSigner(spec.dpop) : undefined;
if (spec.auths?.length || dpopProof) {
  let i = 0;
  const auths = spec.auths;
  request.setupRequest = (req) => ({
    ...req,
    headers: {
      ...spec.headers,
      ...(auths?.length ? { authorization: auths[i++ % auths.length] } : {}),
      ...(dpopProof ? { dpop: dpopProof() } : {}),
    },
  });
}

function dpopSigner({ jwk, htu }) {
  const { createPrivateKey, randomUUID, sign } = require('node:crypto');
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } });
  return () => {
    const input = `${header}.${b64({ htm: 'POST', htu, iat: Math.floor(Date.now() / 1000), jti: randomUUID() })}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
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
