export * from './client-cache';
export * from './client-secret';
export * from './client.entity';
export * from './clients.bootstrap';
export * from './clients.module';
export * from './clients.service';
export * from './deleted-client.entity';
export * from './secret-hasher';
