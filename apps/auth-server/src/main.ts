import { shutdownTracing, tracingTarget } from './tracing';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { MetricsListener, Readiness } from '@app/observability';
import { createApp } from './app.factory';
import { createPinoLogger, PinoNestLogger } from './logger';
import { loadConfigOrExit } from './load-config';
import { openDatabase } from './open-database';
import { startupSummary } from './startup-summary';

async function bootstrap(): Promise<void> {
  let config = loadConfigOrExit();
  const pino = createPinoLogger(config);
  Logger.overrideLogger(new PinoNestLogger(pino));
  const log = new Logger('Bootstrap');

  const db = await openDatabase(config, log);
  config = db.config;
  const embedded = db.embedded;

  const app = await createApp(config, pino).catch(async (err: unknown) => {
    await embedded?.stop();
    throw err;
  });
  await app.listen({ port: config.port, host: config.host });
  const metricsPort = config.metrics.enabled ? app.get(MetricsListener).port() : undefined;
  pino.info(startupSummary(config, { embedded: embedded !== undefined, metricsPort, tracing: tracingTarget }));

  // Graceful shutdown, one ordered list: ready answers 503 (load balancers drain), wait SHUTDOWN_DRAIN_MS,
  // stop accepting and let in-flight requests finish (app.close), close the pool (Nest's shutdown hooks),
  // then the embedded database.
  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    log.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 15_000 + config.shutdown.drainMs);
    force.unref();
    try {
      app.get(Readiness).markDraining();
      if (config.shutdown.drainMs > 0) await new Promise((r) => setTimeout(r, config.shutdown.drainMs));
      await app.close();
      await embedded?.stop();
      await shutdownTracing();
    } finally {
      clearTimeout(force);
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
