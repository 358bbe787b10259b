import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientEntity } from './client.entity';
import { ClientsBootstrap } from './clients.bootstrap';
import { ClientsService } from './clients.service';
import { DeletedClientEntity } from './deleted-client.entity';
import { SecretHasher } from './secret-hasher';

@Module({
  imports: [TypeOrmModule.forFeature([ClientEntity, DeletedClientEntity])],
  providers: [ClientsService, SecretHasher, ClientsBootstrap],
  exports: [ClientsService, SecretHasher, TypeOrmModule],
})
export class ClientsModule {}
