export * from './health/readiness';
export * from './metrics/app-metrics';
export * from './metrics/metrics-listener';
export * from './observability.module';
export * from './history/token-history';
