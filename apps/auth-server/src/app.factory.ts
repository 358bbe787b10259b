import { setupAdminDocs } from '@app/admin';
import type { AppConfig, Clock } from '@app/config';
import { ApiExceptionFilter, METADATA_OUTSIDE_PREFIX, TokenHook } from '@app/oauth';
import { AppMetrics, TokenHistory } from '@app/observability';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { applyHttpHardening, hardenedServerOptions } from './http-hardening';
import type { Logger as PinoLogger } from 'pino';
import { createPinoLogger, PinoNestLogger } from './logger';
import { observeRequests, requestIdFor } from './request-observer';
import { tlsServerOptions } from './tls-options';

/**
 * Builds the HTTP application from a validated configuration: Fastify with a body limit, the base path,
 * one error serialiser for every failure (Nest routes Fastify's own errors, such as a bad content type or
 * an oversized body, through the same global filter), one pino logger for Nest and the access log (request
 * id, route pattern, status, duration, client; never the query string or headers), and the token metrics.
 * `clock` is the system's unless a test moves time.
 */
export async function createApp(
  config: AppConfig,
  log: PinoLogger = createPinoLogger(config),
  clock?: Clock,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    ...hardenedServerOptions(config),
    // Sender-constrained tokens: https with optional client certificates (TLS_CERT_FILE, MTLS_CLIENT_CA_FILE)
    ...tlsServerOptions(config),
    logger: false,
    genReqId: requestIdFor,
    // During shutdown the listener is closed, so new connections are refused at the socket and a proxy retries
    // them on another instance; a request that still reaches this instance (on a connection it already had)
    // is served, with `Connection: close`, rather than answered 503.
    return503OnClosing: false,
    // Admin routes carry a client_id (up to 255 characters, more once percent-encoded) as a path parameter.
    routerOptions: { maxParamLength: 1024 },
  });
  // Allowed but unsafe settings (DOCS_ENABLED or a DATABASE_URL without TLS in production): said once per start.
  for (const warning of config.warnings) log.warn({ context: 'Config' }, warning);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, clock), adapter, {
    logger: new PinoNestLogger(log),
    bufferLogs: false,
    abortOnError: false,
  });
  // RFC 8414 §3.1: the metadata of an issuer with a path lives at /.well-known/oauth-authorization-server{path},
  // outside the base path.
  if (config.basePath) app.setGlobalPrefix(config.basePath, { exclude: METADATA_OUTSIDE_PREFIX });
  app.useGlobalFilters(new ApiExceptionFilter(config.http));
  applyHttpHardening(app, config);

  const fastify = app.getHttpAdapter().getInstance();
  const metrics = config.metrics.enabled ? app.get(AppMetrics) : undefined;
  observeRequests(fastify, log, metrics, app.get(TokenHistory), `${config.basePath}/oauth2/token`);
  // hook latency and outcomes.
  if (metrics) app.get(TokenHook).observe((outcome, seconds) => metrics.recordTokenHook(outcome, seconds));
  if (config.http.docsEnabled) setupAdminDocs(app, config);
  await app.init();
  return app;
}
