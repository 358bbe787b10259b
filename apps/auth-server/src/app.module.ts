import { AdminModule } from '@app/admin';
import { ClientsBootstrapModule } from '@app/clients';
import { AppConfig, AppConfigModule, type Clock } from '@app/config';
import { OAuthModule } from '@app/oauth';
import { ObservabilityModule } from '@app/observability';
import { PersistenceModule } from '@app/persistence';
import { DynamicModule, Module } from '@nestjs/common';
import { SCHEMA } from './schema';

/** Composition root: configuration, storage, the public OAuth surface, the admin API, health and metrics. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, clock?: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config, clock),
        PersistenceModule.forRoot(SCHEMA),
        ClientsBootstrapModule,
        OAuthModule,
        AdminModule,
        ObservabilityModule.forRoot(config),
      ],
    };
  }
}
