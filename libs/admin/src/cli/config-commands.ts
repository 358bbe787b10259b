import { ClientAdminService, TrustedIssuerAdminService } from '@app/clients';
import { AdminConfig, TokenConfig } from '@app/config';
import type { INestApplicationContext } from '@nestjs/common';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ApplyFailedError, ClientsAsCodeService } from '../config-as-code/clients-as-code.service';
import { validateDocument } from '../config-as-code/config-document';
import { checkPrunable, pruneMode } from '../config-as-code/config-options';
import { planText } from '../config-as-code/plan-text';
import type { AppliedChange, DesiredState } from '../config-as-code/desired-state';
import { InvalidClientMetadata } from '../errors/admin-errors';
import { CLI_ACTOR, type CliCommand, type CliIo, CliResult, parse, UsageError } from './cli-command';

const service = (app: INestApplicationContext): ClientsAsCodeService =>
  new ClientsAsCodeService(app.get(ClientAdminService), app.get(TrustedIssuerAdminService), app.get(AdminConfig));

/** `--prune` alone means delete; `--prune=disable` disables (parseArgs needs a value for a string option). */
function withPruneValue(args: string[]): string[] {
  return args.map((a) => (a === '--prune' ? '--prune=delete' : a));
}

/** The document in FILE (`-`: standard input), YAML or JSON (YAML 1.2 reads JSON too), validated like the REST body. */
async function readDocument(app: INestApplicationContext, file: string, io: CliIo, prune: unknown): Promise<DesiredState> {
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidClientMetadata([{ field: 'file', message: `cannot read ${file}: ${(err as Error).message}` }]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, maxAliasCount: 100 });
  } catch (err) {
    throw new InvalidClientMetadata([{ field: 'file', message: `${file} is not YAML or JSON: ${(err as Error).message}` }]);
  }
  const doc = await validateDocument(raw, app.get(TokenConfig));
  checkPrunable(doc, pruneMode(prune));
  return doc;
}

/**
 * Writes each new secret to DIR/<client_id, URL-encoded>, mode 0600 (a new file, never one left from before), for a
 * secret store to pick up; the output then names the file instead of the secret.
 */
function writeSecrets(dir: string, changes: AppliedChange[]): AppliedChange[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return changes.map(({ client_secret, ...change }) => {
    if (client_secret === undefined) return change;
    const name = encodeURIComponent(change.id).replace(/^\.{1,2}$/, (dots) => '%2E'.repeat(dots.length));
    const path = join(dir, name);
    rmSync(path, { force: true });
    writeFileSync(path, client_secret, { mode: 0o600, flag: 'wx' });
    return { ...change, client_secret_file: path };
  });
}

const PRUNE_USAGE = '[--prune[=disable]]';

/** Clients as code: the same plan, apply and export as {BASE}/admin/config. */
export const CONFIG_COMMANDS: readonly CliCommand[] = [
  {
    name: 'plan',
    args: `<file|-> ${PRUNE_USAGE} [--format json|text]`,
    summary: 'what apply would change, {changes} (text: for a pull request comment); exit 0: nothing, 2: changes, 1: error',
    usageExitCode: 1,
    async run(app, args, io) {
      const { values, positionals } = parse(withPruneValue(args), { prune: { type: 'string' }, format: { type: 'string' } }, 1, '<file>');
      const format = (values.format as string | undefined) ?? 'json';
      if (format !== 'json' && format !== 'text') throw new UsageError('--format must be json or text');
      const doc = await readDocument(app, positionals[0], io, values.prune);
      const changes = await service(app).plan(doc, { prune: pruneMode(values.prune) });
      return new CliResult({ changes }, changes.length ? 2 : 0, format === 'text' ? planText(changes) : undefined);
    },
  },
  {
    name: 'apply',
    args: `<file|-> ${PRUNE_USAGE} [--secrets-dir DIR]`,
    summary: 'make it so, one audited change at a time; prints new secrets once (or writes them to DIR, mode 0600)',
    async run(app, args, io) {
      const { values, positionals } = parse(
        withPruneValue(args),
        { prune: { type: 'string' }, 'secrets-dir': { type: 'string' } },
        1,
        '<file>',
      );
      const doc = await readDocument(app, positionals[0], io, values.prune);
      const dir = values['secrets-dir'] as string | undefined;
      try {
        const changes = await service(app).apply(doc, { prune: pruneMode(values.prune) }, CLI_ACTOR);
        return { changes: dir === undefined ? changes : writeSecrets(dir, changes) };
      } catch (err) {
        if (dir !== undefined && err instanceof ApplyFailedError)
          throw new ApplyFailedError(writeSecrets(dir, err.applied), err.failed, err.cause);
        throw err;
      }
    },
  },
  {
    name: 'export',
    args: '[--managed-by LABEL] [--format json|yaml]',
    summary: "today's clients and trusted issuers as a document for apply (only those labelled LABEL)",
    async run(app, args) {
      const { values } = parse(args, { 'managed-by': { type: 'string' }, format: { type: 'string' } }, 0);
      const format = (values.format as string | undefined) ?? 'json';
      if (format !== 'json' && format !== 'yaml') throw new UsageError('--format must be json or yaml');
      const doc = await service(app).export(values['managed-by'] as string | undefined);
      return format === 'yaml' ? new CliResult(doc, 0, toYaml(doc)) : doc;
    },
  },
];
