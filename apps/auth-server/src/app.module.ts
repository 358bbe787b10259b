import { AppConfig, AppConfigModule } from '@app/config';
import { OAuthModule } from '@app/oauth';
import { PersistenceModule } from '@app/persistence';
import { DynamicModule, Module } from '@nestjs/common';

/** Composition root: configuration, storage, and the public OAuth surface. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [AppConfigModule.forRoot(config), PersistenceModule, OAuthModule],
    };
  }
}
