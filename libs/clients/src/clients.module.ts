import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditTrail } from './audit-trail';
import { ClientAdminService } from './client-admin.service';
import { ClientEntity } from './client.entity';
import { ClientsBootstrap } from './clients.bootstrap';
import { ClientsService } from './clients.service';
import { DeletedClientEntity } from './deleted-client.entity';
import { SecretHasher } from './secret-hasher';

@Module({
  imports: [TypeOrmModule.forFeature([ClientEntity, DeletedClientEntity, AuditEntryEntity])],
  providers: [ClientsService, SecretHasher, ClientsBootstrap, ClientAdminService, AuditTrail],
  exports: [ClientsService, SecretHasher, TypeOrmModule, ClientAdminService, AuditTrail],
})
export class ClientsModule {}
