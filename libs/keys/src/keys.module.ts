import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeysService } from './keys.service';
import { SigningKeyEntity } from './signing-key.entity';

@Module({
  imports: [TypeOrmModule.forFeature([SigningKeyEntity])],
  providers: [KeysService],
  exports: [KeysService],
})
export class KeysModule {}
