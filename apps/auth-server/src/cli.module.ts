import { ClientsModule } from '@app/clients';
import { AppConfig, AppConfigModule } from '@app/config';
import { PersistenceModule } from '@app/persistence';
import { DynamicModule, Module } from '@nestjs/common';

/** What the CLI needs: configuration, storage (migrations included) and the client services; no HTTP. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: CliModule, imports: [AppConfigModule.forRoot(config), PersistenceModule, ClientsModule] };
  }
}
