import { shutdownTracing, tracingTarget } from './tracing';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { MetricsListener, Readiness } from '@app/observability';
import { createApp } from './app.factory';
import { createPinoLogger, PinoNestLogger } from './logger';
import { loadConfigOrExit } from './load-config';
import { openDatabase } from './open-database';
import { startupSummary } from './startup-summary';
import { StopSignals } from './stop-signals';

/** How long a stop may take beyond the drain before the process exits 1 anyway. */
const STOP_TIMEOUT_MS = 15_000;

async function bootstrap(): Promise<void> {
  let config = loadConfigOrExit();
  const pino = createPinoLogger(config);
  Logger.overrideLogger(new PinoNestLogger(pino));
  const log = new Logger('Bootstrap');
  // Caught before anything starts. During start-up a stop signal lets the step in progress end, then start-up
  // undoes what it did (the embedded PostgreSQL too) and exits 0; a step that hangs is cut off with exit 1.
  const signals = new StopSignals((signal) => {
    log.log(`${signal} during start-up: stopping once the current step ends`);
    setTimeout(() => process.exit(1), STOP_TIMEOUT_MS).unref();
  });

  const db = await openDatabase(config, log);
  config = db.config;
  const embedded = db.embedded;
  // A stop signal during start-up: nothing was served, so undo what was started and exit.
  const abandonStart = async (app?: { close(): Promise<void> }): Promise<void> => {
    await app?.close();
    await embedded?.stop();
    process.exit(0);
  };
  if (signals.received) await abandonStart();
  const app = await createApp(config, pino).catch(async (err: unknown) => {
    await embedded?.stop();
    throw err;
  });
  if (signals.received) await abandonStart(app);
  await app.listen({ port: config.port, host: config.host });
  const metricsPort = config.metrics.enabled ? app.get(MetricsListener).port() : undefined;

  // Graceful shutdown, one ordered list: ready answers 503 (load balancers drain), wait SHUTDOWN_DRAIN_MS, stop
  // accepting (the listener closes, so new connections are refused at the socket and a proxy retries them
  // elsewhere; idle keep-alive connections close), let in-flight requests finish (app.close waits for them),
  // close the pool (Nest's shutdown hooks), then the embedded database. Proven under load by
  // test/shutdown.e2e-spec.ts.
  const shutdown = async (signal: string): Promise<void> => {
    log.log(`${signal}: shutting down`);
    setTimeout(() => process.exit(1), STOP_TIMEOUT_MS + config.shutdown.drainMs).unref();
    try {
      app.get(Readiness).markDraining();
      if (config.shutdown.drainMs > 0) await new Promise((r) => setTimeout(r, config.shutdown.drainMs));
      await app.close();
      await embedded?.stop();
      await shutdownTracing();
    } finally {
      process.exit(0);
    }
  };
  // Handed over before "listening" is logged: whoever reads that line may stop the server at once.
  signals.handOver((signal) => void shutdown(signal));
  pino.info(startupSummary(config, { embedded: embedded !== undefined, metricsPort, tracing: tracingTarget }));
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
