import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientAdminService } from './client-admin.service';
import { ClientEntity } from './client.entity';
import { ClientsBootstrap } from './clients.bootstrap';
import { ClientsService } from './clients.service';
import { DeletedClientEntity } from './deleted-client.entity';
import { SecretHasher } from './secret-hasher';

/** The entities this lib maps (registered clients and the tombstones of deleted ones). */
export const CLIENTS_ENTITIES = [ClientEntity, DeletedClientEntity];

@Module({
  imports: [TypeOrmModule.forFeature(CLIENTS_ENTITIES)],
  providers: [ClientsService, SecretHasher, ClientAdminService],
  exports: [ClientsService, SecretHasher, ClientAdminService],
})
export class ClientsModule {}

/** The server's start-up work on clients (playground seed, admin client): the server runs it, the CLI does not. */
@Module({
  imports: [ClientsModule],
  providers: [ClientsBootstrap],
})
export class ClientsBootstrapModule {}
