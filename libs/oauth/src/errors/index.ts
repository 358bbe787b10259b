export * from './api-error';
export * from './api-exception.filter';
export * from './oauth-errors';
export * from './request-error-code';
