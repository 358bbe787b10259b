import { AppConfig } from '@app/config';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEntryEntity } from './audit/audit-entry.entity';
import { AuditTrail } from './audit/audit-trail';
import { ChangeFeed } from './change-feed';
import { Changes } from './changes';
import { dataSourceOptions, type DataSourceSchema } from './data-source-options';
import { MigrationRunner } from './migration-runner';

/** The entities this lib maps (the audit trail). */
export const PERSISTENCE_ENTITIES = [AuditEntryEntity];

/**
 * The data source (migrations run on start), the change feed and the audit trail, for every module. `schema` is
 * the application's entities and migrations (apps/auth-server/src/schema.ts), the same the TypeORM CLI and the
 * command-line tool use.
 */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(schema: DataSourceSchema): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => {
            if (!config.database.url) throw new Error('database URL missing: start the embedded database first');
            return { ...dataSourceOptions(config, config.database.url, schema), retryAttempts: 10, retryDelay: 1000 };
          },
        }),
      ],
      providers: [MigrationRunner, ChangeFeed, AuditTrail, Changes],
      exports: [ChangeFeed, AuditTrail, Changes, MigrationRunner],
    };
  }
}
