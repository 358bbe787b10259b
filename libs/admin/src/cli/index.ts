export * from './cli-command';
export * from './commands';
