import type { AppConfig } from '@app/config';
import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';

/** Connection settings shared by the app, the CLI and the TypeORM CLI data source. Never synchronize. */
export function dataSourceOptions(config: AppConfig, url: string): DataSourceOptions {
  const db = config.database;
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    // Failed queries reach the caller and are logged once by the HTTP error filter, in the app's log format.
    logging: false,
    extra: {
      max: db.poolSize,
      connectionTimeoutMillis: db.connectTimeoutMs,
      statement_timeout: db.statementTimeoutMs,
      query_timeout: db.statementTimeoutMs + 1000,
      idle_in_transaction_session_timeout: db.statementTimeoutMs * 2,
      application_name: 'ms-auth-server',
      keepAlive: true,
      // Keep warm connections: opening one (SCRAM) costs a key derivation on the busy thread pool.
      idleTimeoutMillis: 300_000,
    },
  };
}
