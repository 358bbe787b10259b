import { ClientAdminService } from '@app/clients';
import { AppConfig } from '@app/config';
import { ApiError } from '@app/oauth';
import type { INestApplicationContext, Type, ValidationPipe } from '@nestjs/common';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CreateClientDto } from '../clients/dto/create-client.dto';
import { RotateSecretDto } from '../clients/dto/rotate-secret.dto';
import { UpdateClientDto } from '../clients/dto/update-client.dto';
import { toAdminApiError } from '../errors/admin-errors.interceptor';
import { AdminQueryPipe, ClientMetadataPipe } from '../validation/admin-pipes';
import { PageQueryDto } from '../validation/page-query.dto';

/** The actor recorded in the audit trail for changes made from the command line. */
export const CLI_ACTOR = 'cli';

export const CLI_USAGE = `Usage: npm run cli -- <command> [arguments]   (output: JSON on stdout)

  create [metadata options] [--client-id ID] [--client-secret-stdin]
                                   register a client; prints its client_secret, once
  list [--limit N] [--cursor C]    clients in client_id order, {items, next_cursor}
  show <client_id>
  update <client_id> [metadata options]
  rotate-secret <client_id> [--grace SECONDS]
                                   new secret, printed once; the old one works SECONDS longer
  disable <client_id>              tokens of a disabled client stop being issued and accepted
  enable <client_id>
  delete <client_id>               its client_id stays reserved until its tokens have expired

Metadata options (RFC 7591 names):
  --scope "a b c"  --client-name NAME  --token-endpoint-auth-method client_secret_basic|client_secret_post
  --grant-type client_credentials (repeatable)  --access-token-ttl SECONDS|null
  --audience URI (repeatable; the first is the default)  --introspect-any-token true|false

Environment: the server's own variables (DATABASE_URL, KEY_ENCRYPTION_KEYS, ...). Without DATABASE_URL the
embedded PostgreSQL is used: the running server's, or started for the command.`;

export const CLIENT_COMMANDS = ['create', 'list', 'show', 'update', 'rotate-secret', 'disable', 'enable', 'delete'] as const;
export type ClientCommand = (typeof CLIENT_COMMANDS)[number];

/** A mistake in the command line itself (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const METADATA_OPTIONS = {
  scope: { type: 'string' },
  'client-name': { type: 'string' },
  'token-endpoint-auth-method': { type: 'string' },
  'grant-type': { type: 'string', multiple: true },
  'access-token-ttl': { type: 'string' },
  audience: { type: 'string', multiple: true },
  'introspect-any-token': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

type Values = Record<string, string | boolean | string[] | undefined>;

export interface CliIo {
  /** The whole of standard input (for --client-secret-stdin). */
  readStdin(): Promise<string>;
}

/**
 * Runs one client command against the application context and returns what to print. Input goes through
 * the same validation as the admin API, and the same service makes the change.
 */
export async function runClientCommand(app: INestApplicationContext, argv: [ClientCommand, ...string[]], io: CliIo): Promise<unknown> {
  const [command, ...rest] = argv;
  const clients = app.get(ClientAdminService);
  const metadataPipe = new ClientMetadataPipe(app.get(AppConfig));
  const body = <T extends object>(type: Type<T>, value: object) => validate(metadataPipe, type, value);
  switch (command) {
    case 'create': {
      const { values } = parse(
        rest,
        { ...METADATA_OPTIONS, 'client-id': { type: 'string' }, 'client-secret-stdin': { type: 'boolean' } },
        0,
      );
      const input: Record<string, unknown> = metadata(values);
      if (values['client-id'] !== undefined) input.client_id = values['client-id'];
      if (values['client-secret-stdin']) input.client_secret = (await io.readStdin()).replace(/\r?\n$/, '');
      const dto = await body(CreateClientDto, input);
      const { client, secret } = await clients.create(dto, CLI_ACTOR);
      return { ...client, client_secret: secret };
    }
    case 'list': {
      const { values } = parse(rest, { limit: { type: 'string' }, cursor: { type: 'string' } }, 0);
      const query = await validate(new AdminQueryPipe(), PageQueryDto, values, 'query');
      return clients.list(query.limit, query.cursor);
    }
    case 'show':
      return clients.get(parse(rest, {}, 1).positionals[0]);
    case 'update': {
      const { values, positionals } = parse(rest, METADATA_OPTIONS, 1);
      return clients.update(positionals[0], await body(UpdateClientDto, metadata(values)), CLI_ACTOR);
    }
    case 'disable':
    case 'enable':
      return clients.update(parse(rest, {}, 1).positionals[0], { enabled: command === 'enable' }, CLI_ACTOR);
    case 'rotate-secret': {
      const { values, positionals } = parse(rest, { grace: { type: 'string' } }, 1);
      const dto = await body(RotateSecretDto, values.grace === undefined ? {} : { grace_seconds: numeric(values.grace as string) });
      const r = await clients.rotateSecret(positionals[0], dto.grace_seconds ?? 0, CLI_ACTOR);
      const until = r.previousSecretExpiresAt ? Math.floor(r.previousSecretExpiresAt.getTime() / 1000) : null;
      return { ...r.client, client_secret: r.secret, previous_secret_expires_at: until };
    }
    case 'delete': {
      const clientId = parse(rest, {}, 1).positionals[0];
      await clients.delete(clientId, CLI_ACTOR);
      return { client_id: clientId, deleted: true };
    }
  }
}

/** What a failed command prints: an admin API error body, or null when the error is not the caller's. */
export function cliErrorBody(err: unknown): Record<string, unknown> | null {
  const mapped = toAdminApiError(err);
  return mapped instanceof ApiError && mapped.status < 500 ? mapped.body() : null;
}

function parse(args: string[], options: ParseArgsConfig['options'], positionals: number): { values: Values; positionals: string[] } {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(positionals ? 'expected exactly one <client_id>' : `unexpected argument "${parsed.positionals[0]}"`);
  }
  return parsed;
}

/** Flags to RFC 7591 fields; numbers and booleans are converted only when well-formed, so validation reports the rest. */
function metadata(v: Values): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (v.scope !== undefined) m.scope = v.scope;
  if (v['client-name'] !== undefined) m.client_name = v['client-name'];
  if (v['token-endpoint-auth-method'] !== undefined) m.token_endpoint_auth_method = v['token-endpoint-auth-method'];
  if (v['grant-type'] !== undefined) m.grant_types = v['grant-type'];
  if (v['access-token-ttl'] !== undefined)
    m.access_token_ttl = v['access-token-ttl'] === 'null' ? null : numeric(v['access-token-ttl'] as string);
  if (v.audience !== undefined) m.audience = v.audience;
  const ia = v['introspect-any-token'];
  if (ia !== undefined) m.introspect_any_token = ia === 'true' ? true : ia === 'false' ? false : ia;
  return m;
}

function numeric(s: string): number | string {
  return /^\d{1,9}$/.test(s) ? Number(s) : s;
}

async function validate<T extends object>(pipe: ValidationPipe, type: Type<T>, value: object, kind: 'body' | 'query' = 'body'): Promise<T> {
  return (await pipe.transform(value, { type: kind, metatype: type })) as T;
}
