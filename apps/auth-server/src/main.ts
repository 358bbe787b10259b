import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { createLogger } from './logger';
import { loadConfigOrExit } from './load-config';
import { openDatabase } from './open-database';

async function bootstrap(): Promise<void> {
  let config = loadConfigOrExit();
  const logger = createLogger(config);
  Logger.overrideLogger(logger);
  const log = new Logger('Bootstrap');

  const db = await openDatabase(config, log);
  config = db.config;
  const embedded = db.embedded;

  const app = await createApp(config, logger).catch(async (err: unknown) => {
    await embedded?.stop();
    throw err;
  });
  await app.listen({ port: config.port, host: config.host });
  log.log(`listening on http://${config.host}:${config.port}${config.basePath} (issuer ${config.issuer})`);

  // Graceful shutdown, one ordered list: stop accepting (the listener closes, so new connections are refused at
  // the socket and a proxy retries them elsewhere; idle keep-alive connections close), let in-flight requests
  // finish (app.close waits for them), close the pool (Nest's shutdown hooks), then the embedded database; all
  // within 15 s. Proven under load by test/shutdown.e2e-spec.ts.
  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    log.log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try {
      await app.close();
      await embedded?.stop();
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
