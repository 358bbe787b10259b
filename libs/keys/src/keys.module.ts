import { KeysConfig } from '@app/config';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeyEncrypter } from './key-encrypter';
import { KeyLifecycleService } from './key-lifecycle.service';
import { KeyRotationScheduler } from './key-rotation.scheduler';
import { KeysService } from './keys.service';
import { SigningKeyEntity } from './signing-key.entity';

/** The entities this lib maps (signing keys). */
export const KEYS_ENTITIES = [SigningKeyEntity];

/**
 * Changes to the signing-key set (KeyLifecycleService) and the key-encryption keys, without loading keys or
 * starting anything: what the command-line tool needs.
 */
@Module({
  imports: [TypeOrmModule.forFeature(KEYS_ENTITIES)],
  providers: [
    { provide: KeyEncrypter, useFactory: (keys: KeysConfig) => new KeyEncrypter(keys.encryptionKeys), inject: [KeysConfig] },
    KeyLifecycleService,
  ],
  exports: [KeyEncrypter, KeyLifecycleService],
})
export class KeyLifecycleModule {}

/**
 * The server's loaded key set that signs and publishes the JWKS (KeysService), and the rotation schedule, on top
 * of the lifecycle. A module that changes keys imports KeyLifecycleModule itself.
 */
@Module({
  imports: [KeyLifecycleModule],
  providers: [KeysService, KeyRotationScheduler],
  exports: [KeysService],
})
export class KeysModule {}
