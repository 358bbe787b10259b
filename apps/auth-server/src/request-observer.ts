import type { AppMetrics, TokenHistory } from '@app/observability';
import { oauthErrorCode, oauthState, sourceAddress } from '@app/oauth';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Logger as PinoLogger } from 'pino';
import { nameServerSpan } from './tracing';

/** A caller's X-Request-Id is kept when it is short and plain (no spaces, quotes or control characters). */
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Fastify `genReqId`: the caller's X-Request-Id when well-formed, a fresh UUID otherwise. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && WELL_FORMED_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * One access line per request and the token-path metrics, in one onResponse hook: no per-request child
 * logger and no string formatting, one object handed to pino. The line holds the route pattern, never the
 * raw URL (its query string may carry credentials), and no header. The same hook feeds the console's in-memory
 * history (per minute, per client).
 */
export function observeRequests(
  fastify: FastifyInstance,
  log: PinoLogger,
  metrics: AppMetrics | undefined,
  history: TokenHistory,
  tokenRoute: string,
): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    nameServerSpan(request.method, request.routeOptions.url);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const route = request.routeOptions.url;
    if (route === tokenRoute && request.method === 'POST') {
      const error = status < 400 ? undefined : (oauthErrorCode(request) ?? `http_${status}`);
      metrics?.recordToken(grantTypeOf(request), error, reply.elapsedTime / 1000);
      history.recordToken(oauthState(request)?.client?.clientId, error, reply.elapsedTime / 1000);
    }
    if (status === 429) {
      metrics?.throttled();
      history.throttled();
    }
    log.info(
      {
        reqId: request.id,
        method: request.method,
        route,
        status,
        // Whole microseconds: pino writes a fractional number with String(), which V8 allocates in the old
        // generation (a line per request, the largest source of old-generation garbage); an integer it does not.
        responseTimeUs: Math.round(reply.elapsedTime * 1000),
        client: oauthState(request)?.client?.clientId,
        source: sourceAddress(request),
      },
      'request',
    );
    done();
  });
}

/** grant_type as sent (form body, or the query string as in the seed), for a bounded metrics label. */
function grantTypeOf(request: FastifyRequest): unknown {
  const body = request.body as Record<string, unknown> | undefined;
  const fromBody = body !== null && typeof body === 'object' ? body.grant_type : undefined;
  return fromBody ?? (request.query as Record<string, unknown> | undefined)?.grant_type;
}
