import 'reflect-metadata';
import { CLI_USAGE, type ClientCommand, CLIENT_COMMANDS, cliErrorBody, runClientCommand, UsageError } from '@app/admin';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CliModule } from './cli.module';
import { loadConfigOrExit } from './load-config';
import { openDatabase } from './open-database';
import { StderrLogger } from './stderr-logger';

const isClientCommand = (name: string): name is ClientCommand => (CLIENT_COMMANDS as readonly string[]).includes(name);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `npm run cli -- <command>`: the admin operations without HTTP, on the same configuration and services. */
async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || ['help', '--help', '-h'].includes(argv[0])) {
    process.stdout.write(`${CLI_USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const [command, ...rest] = argv;
  if (!isClientCommand(command)) {
    process.stderr.write(`unknown command "${command}"\n\n${CLI_USAGE}\n`);
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
      const out = await runClientCommand(app, [command, ...rest], { readStdin });
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`${err.message ? `${err.message}\n\n` : ''}${CLI_USAGE}\n`);
        return 2;
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
