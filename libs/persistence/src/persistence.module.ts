import { AppConfig } from '@app/config';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChangeFeed } from './change-feed';
import { dataSourceOptions } from './data-source-options';
import { MigrationRunner } from './migration-runner';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (!config.database.url) throw new Error('database URL missing: start the embedded database first');
        return { ...dataSourceOptions(config, config.database.url), autoLoadEntities: true, retryAttempts: 10, retryDelay: 1000 };
      },
    }),
  ],
  providers: [MigrationRunner, ChangeFeed],
  exports: [ChangeFeed, MigrationRunner],
})
export class PersistenceModule {}
