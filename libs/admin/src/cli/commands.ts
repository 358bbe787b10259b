import { ApiError } from '@app/oauth';
import { toConfigApiError } from '../config-as-code/config-api-errors';
import type { CliCommand } from './cli-command';
import { CLIENT_COMMANDS, CLIENT_METADATA_USAGE } from './client-commands';
import { CONFIG_COMMANDS } from './config-commands';
import { KEY_COMMANDS } from './key-commands';
import { OBSERVE_COMMANDS } from './observe-commands';
import { TRUSTED_ISSUER_COMMANDS } from './trusted-issuer-commands';

/** The one command table of `npm run cli` (`npm run keys -- …` is `npm run cli -- keys …`). */
export const COMMANDS: readonly CliCommand[] = [
  ...CLIENT_COMMANDS,
  ...TRUSTED_ISSUER_COMMANDS,
  ...KEY_COMMANDS,
  ...CONFIG_COMMANDS,
  ...OBSERVE_COMMANDS,
];

const line = (c: CliCommand): string => {
  const head = `  ${c.name}${c.args ? ` ${c.args}` : ''}`;
  return head.length < 35 ? `${head.padEnd(35)}${c.summary}` : `${head}\n${' '.repeat(35)}${c.summary}`;
};

export const CLI_USAGE = `Usage: npm run cli -- <command> [arguments]   (output: JSON on stdout)
   or: node dist/apps/auth-server/src/cli.js <command> [arguments]

${COMMANDS.map(line).join('\n')}

${CLIENT_METADATA_USAGE}

Environment: the server's own variables (DATABASE_URL, KEY_ENCRYPTION_KEYS, ...). Without DATABASE_URL the
embedded PostgreSQL is used: the running server's, or started for the command.`;

/** The command named by the first one or two words of `argv`, and the arguments after them. */
export function findCommand(argv: string[]): { command: CliCommand; args: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = argv.length >= words ? COMMANDS.find((c) => c.name === name) : undefined;
    if (command) return { command, args: argv.slice(words) };
  }
  return undefined;
}

/** What a failed command prints: an admin API error body, or null when the error is not the caller's. */
export function cliErrorBody(err: unknown): Record<string, unknown> | null {
  // A failed apply names the failed change and lists those made before it (and their secrets, shown once).
  const mapped = toConfigApiError(err, 1);
  return mapped instanceof ApiError && mapped.status < 500 ? mapped.body() : null;
}
