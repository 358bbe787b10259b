#!/usr/bin/env node
// A token hook (TOKEN_HOOK_URL) in plain Node, no dependencies: it adds an `entitlements` claim to the tokens of
// clients registered with `token_hook: true`, and refuses any token to a frozen client.
//   TOKEN_HOOK_SECRET=<the server's TOKEN_HOOK_SECRET> HOOK_PORT=9000 node examples/token-hook.js
'use strict';
const { createHmac, timingSafeEqual } = require('node:crypto');
const { createServer } = require('node:http');

const SECRET = process.env.TOKEN_HOOK_SECRET;
const PORT = Number(process.env.HOOK_PORT ?? 9000);
// A signature older (or further ahead) than this is a replayed request, not a fresh one.
const MAX_SKEW_SECONDS = 60;
// The server sends a few hundred bytes; anything much larger is not from it.
const MAX_BODY_BYTES = 65_536;

// What only this system knows: entitlements by client id, and the clients that get no token at all.
const ENTITLEMENTS = {
  reporting: ['reports:export', 'reports:schedule'],
  storefront: ['catalog:publish'],
};
const FROZEN = ['legacy-batch'];

if (!SECRET) {
  console.error('TOKEN_HOOK_SECRET is required: the same value the server has');
  process.exit(78);
}

/** `X-Token-Hook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under TOKEN_HOOK_SECRET>` */
function signedByTheServer(header, body) {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const [, t, v1] = match;
  if (Math.abs(Date.now() / 1000 - Number(t)) > MAX_SKEW_SECONDS) return false;
  const expected = createHmac('sha256', SECRET).update(`${t}.${body}`).digest();
  return timingSafeEqual(Buffer.from(v1, 'hex'), expected);
}

function answer(res, status, json) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
}

createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.method !== 'POST' || !signedByTheServer(req.headers['x-token-hook-signature'], body)) {
      return answer(res, 401, { error: 'invalid_signature' });
    }
    // {"grant_type", "client_id", "sub", "scope", "aud", "claims"}: what the token is about to say.
    const { client_id: clientId } = JSON.parse(body);
    // A denial is an answer too (HTTP 200): anything but 200 counts as a failed hook (TOKEN_HOOK_FAILURE).
    if (FROZEN.includes(clientId)) {
      return answer(res, 200, { error: 'access_denied', error_description: `${clientId} is frozen: ask the platform team` });
    }
    answer(res, 200, { claims: { entitlements: ENTITLEMENTS[clientId] ?? [] } });
  });
}).listen(PORT, '127.0.0.1', () => console.log(`token hook listening on http://127.0.0.1:${PORT}`));
