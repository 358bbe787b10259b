import 'reflect-metadata';
import { AppConfig, ConfigValidationError, parseConfig, processEnv, withDatabase } from '@app/config';
import { loadOrCreateLocalEncryptionKey } from '@app/keys';
import { EmbeddedDatabase, startEmbeddedPostgres } from '@app/persistence';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { createLogger } from './logger';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = parseConfig(processEnv());
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config);
  Logger.overrideLogger(logger);
  const log = new Logger('Bootstrap');

  let embedded: EmbeddedDatabase | undefined;
  if (!config.database.url) {
    embedded = await startEmbeddedPostgres({ dir: config.database.embeddedDir, port: config.database.embeddedPort });
    log.log(`embedded PostgreSQL on 127.0.0.1:${embedded.port}, data in ${embedded.dataDir}`);
    let keys: Buffer[] | undefined;
    if (config.keys.encryptionKeys.length === 0) {
      const kek = await loadOrCreateLocalEncryptionKey(config.database.dataDir);
      if (kek.created) log.warn(`generated a key-encryption key in ${kek.path}: set KEY_ENCRYPTION_KEYS for any shared or production database`);
      keys = [kek.key];
    }
    config = withDatabase(config, embedded.url, keys);
  }

  const app = await createApp(config, logger).catch(async (err: unknown) => {
    await embedded?.stop();
    throw err;
  });
  await app.listen({ port: config.port, host: config.host });
  log.log(`listening on http://${config.host}:${config.port}${config.basePath} (issuer ${config.issuer})`);

  // Graceful shutdown: stop accepting, let in-flight requests finish, close the pool, then the database.
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
