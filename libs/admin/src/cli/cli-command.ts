import { TokenConfig } from '@app/config';
import type { INestApplicationContext, Type, ValidationPipe } from '@nestjs/common';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AdminQueryPipe, ClientMetadataPipe } from '../validation/admin-pipes';
import { PageQueryDto } from '../validation/page-query.dto';

/** The actor recorded in the audit trail for changes made from the command line. */
export const CLI_ACTOR = 'cli';

export interface CliIo {
  /** The whole of standard input (for --client-secret-stdin). */
  readStdin(): Promise<string>;
}

/** One entry of the command table: its words (`show`, `keys rotate`), its usage line, and what it does. */
export interface CliCommand {
  readonly name: string;
  /** Arguments after the name, for the usage text. */
  readonly args: string;
  readonly summary: string;
  /** Parses `args` (throwing UsageError on a mistake) and returns what to print as JSON. */
  run(app: INestApplicationContext, args: string[], io: CliIo): Promise<unknown>;
  /** The exit code of a usage mistake when 2 means something else (plan: 2 = changes). */
  readonly usageExitCode?: number;
}

/** What a command prints with an exit code of its own (plan: 2 when something would change), or as its own text. */
export class CliResult {
  constructor(
    readonly output: unknown,
    readonly exitCode: number,
    /** Printed instead of the output as JSON (export --format yaml). */
    readonly text?: string,
  ) {}
}

/** A mistake in the command line itself (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Values = Record<string, string | boolean | string[] | undefined>;

/** Strict parsing: an unknown option or a wrong number of positionals is a UsageError. */
export function parse(
  args: string[],
  options: ParseArgsConfig['options'],
  positionals: number,
  positionalName = '<client_id>',
): { values: Values; positionals: string[] } {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(positionals ? `expected exactly one ${positionalName}` : `unexpected argument "${parsed.positionals[0]}"`);
  }
  return parsed;
}

/** A `list` command: keyset paging with the admin API's query validation (`--limit`, `--cursor`). */
export function pageCommand(
  name: string,
  summary: string,
  list: (app: INestApplicationContext, limit: number, cursor: string | undefined) => Promise<unknown>,
): CliCommand {
  return {
    name,
    args: '[--limit N] [--cursor C]',
    summary,
    async run(app, args) {
      const { values } = parse(args, { limit: { type: 'string' }, cursor: { type: 'string' } }, 0);
      const query = await validate(new AdminQueryPipe(), PageQueryDto, values, 'query');
      return list(app, query.limit, query.cursor);
    },
  };
}

/** Validates like the admin API: the same DTOs and pipes, so the same mistakes get the same messages. */
export function body<T extends object>(app: INestApplicationContext, type: Type<T>, value: object): Promise<T> {
  return validate(new ClientMetadataPipe(app.get(TokenConfig)), type, value);
}

/** A JSON flag value; what does not parse is passed on as the string, so validation names the field. */
export function json(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}

/** "true"/"false" as booleans; anything else passes through, so validation names the field. */
export function flagBoolean(s: string): boolean | string {
  return s === 'true' ? true : s === 'false' ? false : s;
}

export function numeric(s: string): number | string {
  return /^\d{1,9}$/.test(s) ? Number(s) : s;
}

export async function validate<T extends object>(
  pipe: ValidationPipe,
  type: Type<T>,
  value: object,
  kind: 'body' | 'query' = 'body',
): Promise<T> {
  return (await pipe.transform(value, { type: kind, metatype: type })) as T;
}
