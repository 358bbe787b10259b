import { ClientsModule } from '@app/clients';
import { KeyLifecycleModule } from '@app/keys';
import { OAuthModule } from '@app/oauth';
import { Module } from '@nestjs/common';
import { ActivityController } from './activity/activity.controller';
import { AdminBearerGuard } from './admin-bearer.guard';
import { AuditController } from './audit/audit.controller';
import { ClientSecretController } from './clients/client-secret.controller';
import { ClientTokensController } from './clients/client-tokens.controller';
import { ClientsController } from './clients/clients.controller';
import { ConsoleAssets } from './console/console-assets';
import { AdminKeysController } from './keys/admin-keys.controller';
import { TrustedIssuersController } from './trusted-issuers/trusted-issuers.controller';
// clients as code
import { ClientsAsCodeService } from './config-as-code/clients-as-code.service';
import { ConfigController, ConfigSchemaController } from './config-as-code/config.controller';

/** The admin REST API under {BASE_PATH}/admin, kept apart from the public OAuth surface. */
@Module({
  // Each module whose providers the admin API injects: clients (ClientAdminService), the key lifecycle
  // (KeyLifecycleService), oauth (AccessTokenVerifier for the bearer guard). AppConfig, Clock and AuditTrail come
  // from global modules.
  imports: [ClientsModule, KeyLifecycleModule, OAuthModule],
  controllers: [
    ClientsController,
    ClientSecretController,
    ClientTokensController,
    AuditController,
    AdminKeysController,
    TrustedIssuersController,
    // clients as code
    ConfigController,
    ConfigSchemaController,
    // console: the dashboard's data (TokenHistory comes from the global TokenHistoryModule)
    ActivityController,
  ],
  // console: ConsoleAssets serves {BASE}/console when CONSOLE_ENABLED
  providers: [AdminBearerGuard, ClientsAsCodeService, ConsoleAssets],
})
export class AdminModule {}
