#!/usr/bin/env node
/*
 * The floor of the token endpoint: what any server must spend to answer the seed request. A plain Fastify
 * route that parses the Basic header, compares the secret with a stored one, and signs the same claims with
 * jose on the same key as the project's server; nothing else (no framework pipeline, no logging, no cache).
 * The benchmark (scripts/bench.js) runs it beside the project's server and divides one by the other.
 *
 * Environment (set by scripts/bench.js):
 *   FLOOR_PORT, FLOOR_ISSUER, FLOOR_BASE_PATH (default /ms-auth-server), FLOOR_TTL (default 14400)
 *   FLOOR_KEY_FILE  PKCS#8 PEM of the signing key, FLOOR_KID, FLOOR_ALG (RS256, ES256, EdDSA, ...)
 *   FLOOR_CLIENTS   JSON file: [{ "id": ..., "secret": ..., "scopes": [...], "aud": ... }]
 *   FLOOR_MANY      "<prefix> <count> <secret> <scope>": also accept <prefix><000001..count> with that secret
 */
'use strict';
const { readFileSync } = require('node:fs');
const { randomBytes, timingSafeEqual, createPublicKey } = require('node:crypto');
const querystring = require('node:querystring');
const { createRequire } = require('node:module');

// The very Fastify the project's server runs on (a dependency of @nestjs/platform-fastify).
const fromPlatform = createRequire(require.resolve('@nestjs/platform-fastify/package.json'));

async function main() {
  const jose = await import('jose');
  const fastify = fromPlatform('fastify')({ logger: false });
  const env = process.env;
  const base = env.FLOOR_BASE_PATH ?? '/ms-auth-server';
  const issuer = env.FLOOR_ISSUER;
  const ttl = Number(env.FLOOR_TTL ?? 14400);
  const alg = env.FLOOR_ALG;
  const kid = env.FLOOR_KID;
  const pem = readFileSync(env.FLOOR_KEY_FILE, 'utf8');
  const key = await jose.importPKCS8(pem, alg);
  const publicJwk = await jose.exportJWK(createPublicKey(pem));
  const jwks = JSON.stringify({ keys: [{ ...publicJwk, kid, alg, use: 'sig' }] });
  const verifyKey = await jose.importJWK(publicJwk, alg);

  /** client id → { secret (Buffer), scopes, aud } */
  const clients = new Map();
  for (const c of JSON.parse(readFileSync(env.FLOOR_CLIENTS, 'utf8'))) {
    clients.set(c.id, { secret: Buffer.from(c.secret), scopes: c.scopes, aud: c.aud ?? c.id });
  }
  if (env.FLOOR_MANY) {
    const [prefix, count, secret, scope] = env.FLOOR_MANY.split(' ');
    const buf = Buffer.from(secret);
    for (let i = 1; i <= Number(count); i++) {
      const id = `${prefix}${String(i).padStart(6, '0')}`;
      clients.set(id, { secret: buf, scopes: [scope], aud: id });
    }
  }

  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, querystring.parse(body)),
  );

  function authenticate(header) {
    if (typeof header !== 'string' || !header.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const id = decodeURIComponent(decoded.slice(0, colon));
    const secret = Buffer.from(decodeURIComponent(decoded.slice(colon + 1)));
    const c = clients.get(id);
    if (!c || c.secret.length !== secret.length || !timingSafeEqual(c.secret, secret)) return undefined;
    return { id, ...c };
  }

  const invalidClient = (reply) => reply.code(401).send({ error: 'invalid_client' });

  fastify.post(`${base}/oauth2/token`, async (req, reply) => {
    const client = authenticate(req.headers.authorization);
    if (!client) return invalidClient(reply);
    const params = { ...req.query, ...(req.body ?? {}) };
    if (params.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' });
    const scopes = params.scope ? params.scope.split(' ') : client.scopes;
    const iat = Math.floor(Date.now() / 1000);
    const token = await new jose.SignJWT({ client_id: client.id, scope: scopes.join(' ') })
      .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setSubject(client.id)
      .setAudience(client.aud)
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + ttl)
      .sign(key);
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: scopes.join(' ') };
  });

  fastify.post(`${base}/oauth2/introspect`, async (req, reply) => {
    const client = authenticate(req.headers.authorization);
    if (!client) return invalidClient(reply);
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    try {
      const { payload } = await jose.jwtVerify(String(req.body?.token), verifyKey, { issuer, typ: 'at+jwt' });
      if (payload.client_id !== client.id) return { active: false };
      return { active: true, token_type: 'Bearer', ...payload };
    } catch {
      return { active: false };
    }
  });

  fastify.get(`${base}/oauth2/jwks`, async (_req, reply) => {
    reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=600');
    return jwks;
  });

  await fastify.listen({ port: Number(env.FLOOR_PORT), host: '127.0.0.1' });
  process.stdout.write(`floor listening on ${env.FLOOR_PORT}\n`);
  process.on('SIGTERM', () => fastify.close().then(() => process.exit(0)));
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
