import type { AppConfig } from '@app/config';
import type { DataSourceOptions } from 'typeorm';

/** What a data source maps and migrates. The application passes its own (apps/auth-server/src/schema.ts). */
export interface DataSourceSchema {
  /** Each lib exports its own list (PERSISTENCE_ENTITIES, CLIENTS_ENTITIES, …). */
  entities: NonNullable<DataSourceOptions['entities']>;
  /** In order: migrations/index.ts. */
  migrations: NonNullable<DataSourceOptions['migrations']>;
}

/** Connection settings shared by the app, the CLI and the TypeORM CLI data source. Never synchronize. */
export function dataSourceOptions(config: AppConfig, url: string, schema: DataSourceSchema): DataSourceOptions {
  const db = config.database;
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    entities: schema.entities,
    migrations: schema.migrations,
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
