import { ClientsModule } from '@app/clients';
import { AppConfig, AppConfigModule } from '@app/config';
import { KeyLifecycleModule } from '@app/keys';
import { PersistenceModule } from '@app/persistence';
import { DynamicModule, Module } from '@nestjs/common';
import { SCHEMA } from './schema';

/**
 * What the command-line tool needs: configuration, storage (migrations included), the client services and the
 * key lifecycle. No HTTP, and none of the server's start-up work (no client bootstrap, no key loading).
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [AppConfigModule.forRoot(config), PersistenceModule.forRoot(SCHEMA), ClientsModule, KeyLifecycleModule],
    };
  }
}
