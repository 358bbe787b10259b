export * from './basic-auth.guard';
export * from './basic-credentials';
export * from './client-address';
export * from './decorators';
export * from './oauth-request';
export * from './query-params';
export * from './unauthenticated-grants';
