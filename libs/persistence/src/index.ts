export * from './advisory-lock';
export * from './audit-log';
export * from './change-feed';
export * from './data-source-options';
export * from './embedded-postgres';
export * from './infrastructure-error';
export * from './migration-runner';
export * from './persistence.module';
