import { ClientAdminService } from '@app/clients';
import { KeyLifecycleService } from '@app/keys';
import type { INestApplicationContext } from '@nestjs/common';
import { CLI_ACTOR, type CliCommand, parse } from './cli-command';

const keys = (app: INestApplicationContext): KeyLifecycleService => app.get(KeyLifecycleService);

/** The signing-key lifecycle without HTTP: the same audited service as the admin API. */
export const KEY_COMMANDS: readonly CliCommand[] = [
  {
    name: 'keys list',
    args: '',
    summary: 'signing keys and their lifecycle (no key material)',
    async run(app, args) {
      parse(args, {}, 0);
      return { items: await keys(app).list() };
    },
  },
  {
    name: 'keys rotate',
    args: '[--immediate]',
    summary:
      'promote the next key once it is published long enough (else publish one);\n' +
      '                                   --immediate replaces the active key at once and drops it from the JWKS',
    run(app, args) {
      const { values } = parse(args, { immediate: { type: 'boolean' } }, 0);
      return keys(app).rotate(CLI_ACTOR, { immediate: values.immediate === true });
    },
  },
  {
    name: 'keys reencrypt',
    args: '',
    summary: 're-seal every stored private key and client_secret_jwt secret under the first of KEY_ENCRYPTION_KEYS',
    async run(app, args) {
      parse(args, {}, 0);
      const signing = await keys(app).reencrypt(CLI_ACTOR);
      return { ...signing, client_secrets: await app.get(ClientAdminService).resealSecrets(CLI_ACTOR) };
    },
  },
];
