import { type AppConfig, withDatabase } from '@app/config';
import { loadOrCreateLocalEncryptionKey } from '@app/keys';
import { type EmbeddedDatabase, findRunningEmbeddedPostgres, startEmbeddedPostgres } from '@app/persistence';
import type { Logger } from '@nestjs/common';

export interface OpenedDatabase {
  /** The configuration with the database URL (and, embedded, the local key-encryption key) filled in. */
  config: AppConfig;
  /** Set when this process started the embedded PostgreSQL; stop it last. */
  embedded?: EmbeddedDatabase;
}

/**
 * The database a process of this server uses: DATABASE_URL, or else the embedded PostgreSQL with the
 * key-encryption key kept beside its data. The server (main.ts) and the command-line tools use this so
 * they see exactly the same data and keys. With `share`, an embedded PostgreSQL that a running server
 * already serves from the data directory is used instead of starting one (which its lock would refuse).
 */
export async function openDatabase(config: AppConfig, log: Logger, opts: { share?: boolean } = {}): Promise<OpenedDatabase> {
  if (config.database.url) return { config };
  const running = opts.share ? await findRunningEmbeddedPostgres(config.database.embeddedDir) : undefined;
  let embedded: EmbeddedDatabase | undefined;
  let url: string;
  if (running) {
    url = running;
    log.log(`using the embedded PostgreSQL that is running from ${config.database.embeddedDir}`);
  } else {
    embedded = await startEmbeddedPostgres({ dir: config.database.embeddedDir, port: config.database.embeddedPort });
    url = embedded.url;
    if (embedded.stoppedOrphan !== undefined) {
      log.warn(`stopped the embedded PostgreSQL (pid ${embedded.stoppedOrphan}) left running by a process that died; recovered`);
    }
    log.log(`embedded PostgreSQL on 127.0.0.1:${embedded.port}, data in ${embedded.dataDir}`);
    if (embedded.madeTraversable.length) {
      log.warn(
        `PostgreSQL runs as the postgres user: allowed other users to traverse (o+x, not list) ${embedded.madeTraversable.join(', ')}`,
      );
    }
  }
  let keys: Buffer[] | undefined;
  if (config.keys.encryptionKeys.length === 0) {
    const kek = await loadOrCreateLocalEncryptionKey(config.database.dataDir);
    if (kek.created)
      log.warn(`generated a key-encryption key in ${kek.path}: set KEY_ENCRYPTION_KEYS for any shared or production database`);
    keys = [kek.key];
  }
  return { config: withDatabase(config, url, keys), embedded };
}
