import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeyRotationScheduler } from './key-rotation.scheduler';
import { KeyRotationService } from './key-rotation.service';
import { KeysService } from './keys.service';
import { SigningKeyEntity } from './signing-key.entity';

@Module({
  imports: [TypeOrmModule.forFeature([SigningKeyEntity])],
  providers: [KeysService, KeyRotationService, KeyRotationScheduler],
  exports: [KeysService, KeyRotationService],
})
export class KeysModule {}
