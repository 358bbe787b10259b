import { TrustedIssuerAdminService } from '@app/clients';
import type { INestApplicationContext } from '@nestjs/common';
import type { ParseArgsConfig } from 'node:util';
import { CreateTrustedIssuerDto, UpdateTrustedIssuerDto } from '../trusted-issuers/trusted-issuer.dto';
import { body, CLI_ACTOR, type CliCommand, flagBoolean, numeric, pageCommand, parse, type Values } from './cli-command';

const ISSUER_OPTIONS = {
  'jwks-uri': { type: 'string' },
  'signing-alg': { type: 'string', multiple: true },
  'max-assertion-lifetime': { type: 'string' },
  'replay-protection': { type: 'string' },
  'allow-private-network': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const ISSUER_OPTIONS_USAGE =
  '[--jwks-uri URL|null] [--signing-alg ALG]... [--max-assertion-lifetime SECONDS] [--replay-protection true|false] [--allow-private-network true|false]';

const issuers = (app: INestApplicationContext): TrustedIssuerAdminService => app.get(TrustedIssuerAdminService);

/** Trusted issuers of workload tokens without HTTP: the DTOs and the service of /admin/trusted-issuers. */
export const TRUSTED_ISSUER_COMMANDS: readonly CliCommand[] = [
  {
    name: 'trusted-issuers add',
    args: `<issuer> ${ISSUER_OPTIONS_USAGE}`,
    summary: 'trust an issuer of workload tokens (its exact iss)',
    async run(app, args) {
      const { values, positionals } = parse(args, ISSUER_OPTIONS, 1, '<issuer>');
      return issuers(app).create(await body(app, CreateTrustedIssuerDto, { issuer: positionals[0], ...settings(values) }), CLI_ACTOR);
    },
  },
  pageCommand('trusted-issuers list', 'trusted issuers in issuer order, {items, next_cursor}', (app, limit, cursor) =>
    issuers(app).list(limit, cursor),
  ),
  {
    name: 'trusted-issuers show',
    args: '<issuer>',
    summary: 'one trusted issuer',
    run: (app, args) => issuers(app).get(parse(args, {}, 1, '<issuer>').positionals[0]),
  },
  {
    name: 'trusted-issuers update',
    args: `<issuer> ${ISSUER_OPTIONS_USAGE}`,
    summary: 'change a trusted issuer, validated as PATCH /admin/trusted-issuers/{issuer}',
    async run(app, args) {
      const { values, positionals } = parse(args, ISSUER_OPTIONS, 1, '<issuer>');
      return issuers(app).update(positionals[0], await body(app, UpdateTrustedIssuerDto, settings(values)), CLI_ACTOR);
    },
  },
  {
    name: 'trusted-issuers remove',
    args: '<issuer>',
    summary: 'stop trusting it (refused while federated credentials name it)',
    async run(app, args) {
      const issuer = parse(args, {}, 1, '<issuer>').positionals[0];
      await issuers(app).delete(issuer, CLI_ACTOR);
      return { issuer, deleted: true };
    },
  },
];

/** Flags to the admin API's field names; values that are not well-formed pass through so validation names the field. */
function settings(v: Values): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  if (v['jwks-uri'] !== undefined) s.jwks_uri = v['jwks-uri'] === 'null' ? null : v['jwks-uri'];
  if (v['signing-alg'] !== undefined) s.signing_alg_values = v['signing-alg'];
  if (v['max-assertion-lifetime'] !== undefined) s.max_assertion_lifetime = numeric(v['max-assertion-lifetime'] as string);
  if (v['replay-protection'] !== undefined) s.replay_protection = flagBoolean(v['replay-protection'] as string);
  if (v['allow-private-network'] !== undefined) s.allow_private_network = flagBoolean(v['allow-private-network'] as string);
  return s;
}
