import { jsonNestsDeeperThan, MalformedJsonBody, MAX_JSON_DEPTH } from '@app/admin';
import type { AppConfig } from '@app/config';
import { installClientAddress, InvalidRequest, sendApiError, trustedProxy } from '@app/oauth';
import { Logger } from '@nestjs/common';
import helmet, { type HelmetOptions } from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** Security headers also sent on answers written before Fastify sees the request (see clientError). */
const BASE_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * Node answers a malformed request, an oversized header block (431) or a request timeout (408) before any
 * route or hook runs. Fastify's default reply has its own `{statusCode, message}` shape; this one answers in
 * the documented `{error, error_description}` shape with the security headers, and closes the connection.
 */
function clientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [status, description] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request header fields too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive in time']
        : [400, 'Malformed HTTP request'];
  const body = JSON.stringify({ error: 'invalid_request', error_description: description });
  const headers = Object.entries({
    ...BASE_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers}\r\n${body}`);
}

/**
 * Errors Fastify's router answers itself, before hooks and the exception filter: a URL that does not decode,
 * a path parameter over maxParamLength. Same shape and security headers as every other error.
 */
function frameworkError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const [status, description] = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? [414, 'A path segment is too long'] : [400, 'Malformed URL'];
  void reply.headers(BASE_HEADERS);
  sendApiError(reply, new InvalidRequest(description, err.code, status));
}

/**
 * Fastify options of the hardening: source addresses, timeouts, early errors. No socket idle
 * timeout: it would cut keep-alive connections before keepAliveTimeout (a proxy in front then sees resets);
 * the headers and request timeouts bound slow clients instead.
 */
export function hardenedServerOptions(config: AppConfig): Partial<FastifyServerOptions> {
  const { http } = config;
  return {
    trustProxy: trustedProxy(http.trustProxy),
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    clientErrorHandler: clientError,
    frameworkErrors: frameworkError,
  };
}

/**
 * JSON bodies: an empty body sent as application/json is no body (many clients send that header on DELETE
 * or a bodiless POST); one that does not parse, or nests deeper than MAX_JSON_DEPTH, becomes a MalformedJsonBody
 * for the route to refuse in its terms. Fastify's own parser still guards against prototype poisoning.
 */
function useJsonParser(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit: config.http.bodyLimitBytes }, (req, body, done) => {
    const text = body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(null, new MalformedJsonBody(`the request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`));
      return;
    }
    void parseJson(req as Parameters<typeof parseJson>[0], text, (err, parsed) => {
      if (!err) return done(null, parsed);
      const at = /position (\d+)/.exec(err.message)?.[1];
      done(null, new MalformedJsonBody(`the request body is not valid JSON${at ? ` (at character ${at})` : ''}`));
    });
  });
}

/**
 * X-Forwarded-For arriving while no proxy is trusted usually means a load balancer nobody told this server about:
 * every client then shares the balancer's address, so one client's failures throttle all. Said once, at the first
 * such request (a hostile client can send the header at will: one line, never one per request).
 */
function warnOnUntrustedForwardedFor(app: NestFastifyApplication): void {
  const log = new Logger('HttpHardening');
  let warned = false;
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, _reply, done) => {
      if (!warned && request.headers['x-forwarded-for'] !== undefined) {
        warned = true;
        log.warn(
          'a request carried X-Forwarded-For but TRUST_PROXY is unset, so the header is ignored and the source address is the peer: ' +
            "behind a load balancer, set TRUST_PROXY to its address (or CIDR block) so throttling and logs see clients' addresses",
        );
      }
      done();
    });
}

/**
 * The headers helmet writes for `options`, computed once. With static directives (no nonces, no functions)
 * helmet writes the same headers on every response; running its middleware per request (as @fastify/helmet
 * does, rebuilding it from the options each time) cost ~15 µs per token request, the largest item above the
 * floor.
 */
function securityHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name] = String(value);
      return res;
    },
    removeHeader(name: string) {
      delete headers[name];
    },
  };
  // Helmet 8 throws a bad option itself; its callback is only called without an error.
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}

/**
 * Security headers on every response (helmet, see securityHeaders): nosniff, no-referrer, X-Frame-Options
 * DENY and CSP frame-ancestors 'none', HSTS when the issuer is https (RFC 6797; only meaningful over TLS);
 * the source-address resolution behind TRUST_PROXY (and a warning when X-Forwarded-For arrives without it); the JSON parser above; and the Node server's timeouts.
 * Call before app.init().
 */
export function applyHttpHardening(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  installClientAddress(fastify, trustedProxy(config.http.trustProxy), config.throttle.ipv6Prefix);
  if (config.http.trustProxy === false) warnOnUntrustedForwardedFor(app);
  const headers = securityHeaders({
    contentSecurityPolicy: { useDefaults: true, directives: { 'frame-ancestors': ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: config.issuer.startsWith('https:') ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  const entries = Object.entries(headers);
  // Set on the raw response, as helmet did, so they survive whatever later builds the reply.
  fastify.addHook('onRequest', (_request, reply, done) => {
    const raw = reply.raw;
    for (const [name, value] of entries) raw.setHeader(name, value);
    done();
  });
  useJsonParser(app, config);
  const server: Server = app.getHttpServer();
  server.headersTimeout = config.http.headersTimeoutMs;
}
