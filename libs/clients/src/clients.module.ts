import { KeyLifecycleModule } from '@app/keys';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientAdminService } from './client-admin.service';
import { ClientMetadataChecks } from './client-metadata-checks';
import { ClientEntity } from './client.entity';
import { ClientsBootstrap } from './clients.bootstrap';
import { ClientsService } from './clients.service';
import { DeletedClientEntity } from './deleted-client.entity';
import { TrustedIssuerAdminService } from './federation/trusted-issuer-admin.service';
import { TrustedIssuerEntity } from './federation/trusted-issuer.entity';
import { TrustedIssuers } from './federation/trusted-issuers';
import { ClientDirectory } from './directory/client-directory';
import { ClientSecretStore } from './secrets/client-secret-store';
import { SecretHasher } from './secrets/secret-hasher';
import { SecretStorage } from './secrets/secret-storage';
import { FederatedClients } from './federation/federated-clients';

/** The entities this lib maps (registered clients, the tombstones of deleted ones, trusted issuers). */
export const CLIENTS_ENTITIES = [ClientEntity, DeletedClientEntity, TrustedIssuerEntity];

@Module({
  // KeyEncrypter: client_secret_jwt secrets are sealed like signing keys.
  imports: [TypeOrmModule.forFeature(CLIENTS_ENTITIES), KeyLifecycleModule],
  providers: [
    ClientDirectory,
    ClientsService,
    SecretHasher,
    SecretStorage,
    ClientAdminService,
    ClientSecretStore,
    ClientMetadataChecks,
    TrustedIssuerAdminService,
    TrustedIssuers,
    FederatedClients,
  ],
  exports: [
    ClientDirectory,
    ClientsService,
    SecretHasher,
    SecretStorage,
    ClientAdminService,
    ClientSecretStore,
    TrustedIssuerAdminService,
    TrustedIssuers,
    KeyLifecycleModule,
    FederatedClients,
  ],
})
export class ClientsModule {}

/** The server's start-up work on clients (playground seed, admin client): the server runs it, the CLI does not. */
@Module({
  imports: [ClientsModule],
  providers: [ClientsBootstrap],
})
export class ClientsBootstrapModule {}
