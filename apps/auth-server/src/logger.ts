import type { AppConfig } from '@app/config';
import { ConsoleLogger, type LogLevel } from '@nestjs/common';

const LEVELS: Record<AppConfig['log']['level'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** Structured (JSON lines) logs in production, readable text in development. */
export function createLogger(config: AppConfig): ConsoleLogger {
  return new ConsoleLogger({
    json: config.log.format === 'json',
    colors: config.log.format === 'text' && process.stdout.isTTY,
    logLevels: LEVELS[config.log.level],
    prefix: 'auth-server',
  });
}
