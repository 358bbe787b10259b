import { AppConfig, withDatabase } from '@app/config';
import { loadOrCreateLocalEncryptionKey } from '@app/keys';
import { EmbeddedDatabase, startEmbeddedPostgres } from '@app/persistence';
import { Logger } from '@nestjs/common';

export interface OpenedDatabase {
  /** The configuration with the database URL (and, embedded, the local key-encryption key) filled in. */
  config: AppConfig;
  /** Set when this process started the embedded PostgreSQL; stop it last. */
  embedded?: EmbeddedDatabase;
}

/**
 * The database a process of this server uses: DATABASE_URL, or else the embedded PostgreSQL with the
 * key-encryption key kept beside its data (main.ts does the same). Command-line tools use this so they see
 * exactly the data and keys the server sees.
 */
export async function openDatabase(config: AppConfig, log: Logger): Promise<OpenedDatabase> {
  if (config.database.url) return { config };
  const embedded = await startEmbeddedPostgres({ dir: config.database.embeddedDir, port: config.database.embeddedPort });
  log.log(`embedded PostgreSQL on 127.0.0.1:${embedded.port}, data in ${embedded.dataDir}`);
  let keys: Buffer[] | undefined;
  if (config.keys.encryptionKeys.length === 0) {
    const kek = await loadOrCreateLocalEncryptionKey(config.database.dataDir);
    if (kek.created) log.warn(`generated a key-encryption key in ${kek.path}: set KEY_ENCRYPTION_KEYS for any shared or production database`);
    keys = [kek.key];
  }
  return { config: withDatabase(config, embedded.url, keys), embedded };
}
