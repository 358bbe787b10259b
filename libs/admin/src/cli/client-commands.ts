import { ClientAdminService, cutoffSecond, toRotatedSecretView } from '@app/clients';
import type { INestApplicationContext } from '@nestjs/common';
import type { ParseArgsConfig } from 'node:util';
import { CreateClientDto } from '../clients/dto/create-client.dto';
import { RotateSecretDto } from '../clients/dto/rotate-secret.dto';
import { UpdateClientDto } from '../clients/dto/update-client.dto';
import { body, CLI_ACTOR, type CliCommand, flagBoolean, json, numeric, pageCommand, parse, type Values } from './cli-command';

export const CLIENT_METADATA_USAGE = `Metadata options (RFC 7591 names):
  --scope "a b c"  --client-name NAME
  --token-endpoint-auth-method client_secret_basic|client_secret_post|private_key_jwt|client_secret_jwt
  --grant-type client_credentials (repeatable)  --access-token-ttl SECONDS|null
  --audience URI (repeatable; the first is the default)  --introspect-any-token true|false
  --jwks '{"keys":[...]}'|null  --jwks-uri URL|null  --federated-credentials '[{"issuer":…,"subject":…}]'
  --token-claims '{"tenant":"acme"}'|null  --token-exchange '{"audiences":[…],"scopes":[…]}'|null  --token-hook true|false
  --dpop-bound-access-tokens true|false  --tls-client-certificate-bound-access-tokens true|false
  --tls-client-auth-subject-dn DN|null  --tls-client-auth-san-dns|-san-uri|-san-ip|-san-email VALUE|null`;

const METADATA_OPTIONS = {
  scope: { type: 'string' },
  'client-name': { type: 'string' },
  'token-endpoint-auth-method': { type: 'string' },
  'grant-type': { type: 'string', multiple: true },
  'access-token-ttl': { type: 'string' },
  audience: { type: 'string', multiple: true },
  'introspect-any-token': { type: 'string' },
  jwks: { type: 'string' },
  'jwks-uri': { type: 'string' },
  'federated-credentials': { type: 'string' },
  'token-claims': { type: 'string' },
  'token-exchange': { type: 'string' },
  'token-hook': { type: 'string' },
  // Sender-constrained tokens (RFC 9449 §5.2, RFC 8705 §2.1.2 and §3.4)
  'dpop-bound-access-tokens': { type: 'string' },
  'tls-client-certificate-bound-access-tokens': { type: 'string' },
  'tls-client-auth-subject-dn': { type: 'string' },
  'tls-client-auth-san-dns': { type: 'string' },
  'tls-client-auth-san-uri': { type: 'string' },
  'tls-client-auth-san-ip': { type: 'string' },
  'tls-client-auth-san-email': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const clients = (app: INestApplicationContext): ClientAdminService => app.get(ClientAdminService);

const setEnabled =
  (enabled: boolean): CliCommand['run'] =>
  (app, args) =>
    clients(app).update(parse(args, {}, 1).positionals[0], { enabled }, CLI_ACTOR);

/** Client administration without HTTP: the same validation and the same service as the admin API. */
export const CLIENT_COMMANDS: readonly CliCommand[] = [
  {
    name: 'create',
    args: '[metadata options] [--client-id ID] [--client-secret-stdin]',
    summary: 'register a client; prints its client_secret, once',
    async run(app, args, io) {
      const { values } = parse(
        args,
        { ...METADATA_OPTIONS, 'client-id': { type: 'string' }, 'client-secret-stdin': { type: 'boolean' } },
        0,
      );
      const input: Record<string, unknown> = metadata(values);
      if (values['client-id'] !== undefined) input.client_id = values['client-id'];
      if (values['client-secret-stdin']) input.client_secret = (await io.readStdin()).replace(/\r?\n$/, '');
      const { client, secret } = await clients(app).create(await body(app, CreateClientDto, input), CLI_ACTOR);
      return { ...client, client_secret: secret };
    },
  },
  pageCommand('list', 'clients in client_id order, {items, next_cursor}', (app, limit, cursor) => clients(app).list(limit, cursor)),
  {
    name: 'show',
    args: '<client_id>',
    summary: 'one client, without any secret',
    run: (app, args) => clients(app).get(parse(args, {}, 1).positionals[0]),
  },
  {
    name: 'update',
    args: '<client_id> [metadata options]',
    summary: 'change metadata, validated as PATCH /admin/clients/{id}',
    async run(app, args) {
      const { values, positionals } = parse(args, METADATA_OPTIONS, 1);
      return clients(app).update(positionals[0], await body(app, UpdateClientDto, metadata(values)), CLI_ACTOR);
    },
  },
  {
    name: 'rotate-secret',
    args: '<client_id> [--grace SECONDS] [--revoke-tokens]',
    summary: 'new secret, printed once; the old one works SECONDS longer; --revoke-tokens also cuts off every token issued so far',
    async run(app, args) {
      const { values, positionals } = parse(args, { grace: { type: 'string' }, 'revoke-tokens': { type: 'boolean' } }, 1);
      const dto = await body(app, RotateSecretDto, values.grace === undefined ? {} : { grace_seconds: numeric(values.grace as string) });
      const revokeTokens = values['revoke-tokens'] === true;
      return toRotatedSecretView(await clients(app).rotateSecret(positionals[0], dto.grace_seconds ?? 0, CLI_ACTOR, { revokeTokens }));
    },
  },
  {
    name: 'revoke-tokens',
    args: '<client_id>',
    summary: 'every token issued to the client so far becomes inactive (introspection, admin API)',
    async run(app, args) {
      const r = await clients(app).revokeTokens(parse(args, {}, 1).positionals[0], CLI_ACTOR);
      return { client_id: r.clientId, tokens_revoked_before: cutoffSecond(r.tokensRevokedBefore) };
    },
  },
  {
    name: 'disable',
    args: '<client_id>',
    summary: 'tokens of a disabled client stop being issued and accepted, for good (enabling does not revive them)',
    run: setEnabled(false),
  },
  { name: 'enable', args: '<client_id>', summary: 'the client may get tokens again', run: setEnabled(true) },
  {
    name: 'delete',
    args: '<client_id>',
    summary: 'its client_id stays reserved until its tokens have expired',
    async run(app, args) {
      const clientId = parse(args, {}, 1).positionals[0];
      await clients(app).delete(clientId, CLI_ACTOR);
      return { client_id: clientId, deleted: true };
    },
  },
];

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
  if (v['introspect-any-token'] !== undefined) m.introspect_any_token = flagBoolean(v['introspect-any-token'] as string);
  if (v.jwks !== undefined) m.jwks = json(v.jwks as string);
  if (v['jwks-uri'] !== undefined) m.jwks_uri = v['jwks-uri'] === 'null' ? null : v['jwks-uri'];
  if (v['federated-credentials'] !== undefined) m.federated_credentials = json(v['federated-credentials'] as string);
  if (v['token-claims'] !== undefined) m.token_claims = json(v['token-claims'] as string);
  if (v['token-exchange'] !== undefined) m.token_exchange = json(v['token-exchange'] as string);
  if (v['token-hook'] !== undefined) m.token_hook = flagBoolean(v['token-hook'] as string);
  // Sender-constrained tokens
  for (const flag of ['dpop-bound-access-tokens', 'tls-client-certificate-bound-access-tokens'] as const) {
    if (v[flag] !== undefined) m[flag.replace(/-/g, '_')] = flagBoolean(v[flag] as string);
  }
  for (const kind of ['subject-dn', 'san-dns', 'san-uri', 'san-ip', 'san-email'] as const) {
    const value = v[`tls-client-auth-${kind}`];
    if (value !== undefined) m[`tls_client_auth_${kind.replace('-', '_')}`] = value === 'null' ? null : value;
  }
  return m;
}
