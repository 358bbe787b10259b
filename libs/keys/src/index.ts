export * from './key-encrypter';
export * from './key-factory';
export * from './keys.module';
export * from './keys.service';
export * from './local-encryption-key';
export * from './signing-key.entity';
