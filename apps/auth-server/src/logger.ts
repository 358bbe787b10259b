import type { AppConfig } from '@app/config';
import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';

/**
 * What must never reach a log line, whatever a future call site passes: credentials, cookies, bodies and
 * query strings (they carry client secrets and assertions). The access line itself only ever holds the
 * route pattern, never the raw URL; these paths are the safety net for objects logged elsewhere.
 */
const REDACT_PATHS = [
  'authorization',
  'cookie',
  'body',
  'query',
  'url',
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.body',
  'req.query',
  'req.url',
  'res.headers["set-cookie"]',
  'client_secret',
  'client_assertion',
  'access_token',
];

/** Nest start-up chatter (one line per module and per mapped route) goes to debug: start-up prints a summary. */
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/**
 * The process's one logger: pino, JSON lines by default in production; LOG_FORMAT=text pretty-prints with
 * pino-pretty, a development dependency (production refuses it in the configuration already).
 */
export function createPinoLogger(config: AppConfig, destination?: DestinationStream): PinoLogger {
  const options: pino.LoggerOptions = {
    level: config.log.level,
    base: { pid: process.pid },
    // pino's epochTime, without V8's number-to-string of a heap number (Date.now() is past the small-integer
    // range): that conversion allocates its string in the old generation, once per millisecond under load.
    timestamp: () => `,"time":${Date.now().toFixed(0)}`,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (destination) return pino(options, destination);
  if (config.log.format === 'text') return pino(options, prettyStream());
  // Asynchronous writes batch lines under load; pino flushes them on exit.
  return pino(options, pino.destination({ dest: 1, sync: false }));
}

function prettyStream(): DestinationStream {
  let pretty: (opts: Record<string, unknown>) => DestinationStream;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional development dependency
    pretty = require('pino-pretty') as typeof pretty;
  } catch {
    throw new Error('LOG_FORMAT=text needs pino-pretty, a development dependency that is not installed: set LOG_FORMAT=json');
  }
  return pretty({ sync: true, colorize: process.stdout.isTTY === true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' });
}

/** Nest's own logs (Logger in every service) through the same pino, one `context` field per line. */
export class PinoNestLogger implements LoggerService {
  constructor(readonly pino: PinoLogger) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    if (context !== undefined && QUIET_CONTEXTS.has(context)) this.write('debug', message, context);
    else this.write('info', message, context);
  }

  error(message: unknown, ...rest: unknown[]): void {
    // Nest calls error(message, stack?, context?).
    const context = contextOf(rest);
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) this.pino.error({ context, err: message });
    else if (stack) this.pino.error({ context, stack }, String(message));
    else this.write('error', message, context);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, contextOf(rest));
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, contextOf(rest));
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, contextOf(rest));
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, contextOf(rest));
  }

  private write(level: pino.Level, message: unknown, context: string | undefined): void {
    if (!this.pino.isLevelEnabled(level)) return;
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) this.pino[level]({ context, ...message });
    else this.pino[level]({ context }, String(message));
  }
}

function contextOf(rest: unknown[]): string | undefined {
  const last = rest[rest.length - 1];
  return typeof last === 'string' ? last : undefined;
}
