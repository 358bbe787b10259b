#!/usr/bin/env node
import 'reflect-metadata';
import { CLI_USAGE, cliErrorBody, CliResult, findCommand, UsageError } from '@app/admin';
import { withAuditContext } from '@app/persistence';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CliModule } from './cli.module';
import { loadConfigOrExit } from './load-config';
import { openDatabase } from './open-database';
import { StderrLogger } from './stderr-logger';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `npm run cli -- <command>` (also `node dist/apps/auth-server/src/cli.js`, the package's bin): the admin
 * operations on clients and signing keys without HTTP, on the same configuration and services as the server.
 * Exit codes: 0 done, 1 refused (the admin API's error body on stderr) or failed, 2 usage, 78 configuration;
 * `plan` exits 2 when something would change and 1 on any mistake.
 */
async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || ['help', '--help', '-h'].includes(argv[0])) {
    process.stdout.write(`${CLI_USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`unknown command "${argv.slice(0, argv[0] === 'keys' ? 2 : 1).join(' ')}"\n\n${CLI_USAGE}\n`);
    return 2;
  }
  const config = loadConfigOrExit();
  const levels: LogLevel[] = config.log.level === 'debug' ? ['fatal', 'error', 'warn', 'log', 'debug'] : ['fatal', 'error', 'warn'];
  const logger = new StderrLogger({ json: config.log.format === 'json', colors: false, logLevels: levels, prefix: 'auth-server-cli' });
  Logger.overrideLogger(logger);
  const db = await openDatabase(config, new Logger('Cli'), { share: true });
  try {
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(db.config), { logger, abortOnError: false });
    try {
      const out = await withAuditContext({ via: 'cli' }, () => found.command.run(app, found.args, { readStdin }));
      const result = out instanceof CliResult ? out : new CliResult(out, 0);
      process.stdout.write(result.text ?? `${JSON.stringify(result.output, null, 2)}\n`);
      return result.exitCode;
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`${err.message ? `${err.message}\n\n` : ''}${CLI_USAGE}\n`);
        return found.command.usageExitCode ?? 2;
      }
      const body = cliErrorBody(err);
      if (!body) throw err;
      process.stderr.write(`${JSON.stringify(body, null, 2)}\n`);
      return 1;
    } finally {
      await app.close();
    }
  } finally {
    await db.embedded?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
