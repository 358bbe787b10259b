import 'reflect-metadata';
import type { AppConfig } from '@app/config';
import { KeyRotationService, KeysService, reencryptSigningKeys, SigningKeyEntity } from '@app/keys';
import { ChangeFeed, dataSourceOptions, runMigrations } from '@app/persistence';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { loadConfigOrExit } from './load-config';
import { openDatabase } from './open-database';
import { StderrLogger } from './stderr-logger';

const USAGE = `usage: npm run keys -- <command>

  list                  signing keys and their lifecycle (no key material)
  rotate [--immediate]  promote the next key once it is published long enough (else publish one);
                        --immediate replaces the active key at once and drops it from the JWKS
  reencrypt             re-seal every stored private key under the first of KEY_ENCRYPTION_KEYS

Reads the same configuration as the server (DATABASE_URL, KEY_ENCRYPTION_KEYS, SIGNING_ALG, ...).
Without DATABASE_URL it uses the embedded PostgreSQL: the running server's, or its own if none runs.
`;

/** Audit actor for changes made from the command line. */
const ACTOR = 'cli';

type Command = (ctx: { ds: DataSource; config: AppConfig; flags: string[] }) => Promise<unknown>;

function services(ds: DataSource, config: AppConfig): { keys: KeysService; rotation: KeyRotationService } {
  const feed = new ChangeFeed(ds, config);
  const keys = new KeysService(ds, config, feed);
  return { keys, rotation: new KeyRotationService(ds, config, keys, feed) };
}

const COMMANDS: Record<string, Command> = {
  list: async ({ ds, config }) => ({ items: await services(ds, config).rotation.list() }),
  rotate: async ({ ds, config, flags }) => services(ds, config).rotation.rotate(ACTOR, { immediate: flags.includes('--immediate') }),
  reencrypt: async ({ ds, config }) => reencryptSigningKeys(ds, services(ds, config).keys.encrypter, ACTOR),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...flags] = argv;
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  const unknownFlag = flags.find((f) => !(name === 'rotate' && f === '--immediate'));
  if (!command || unknownFlag !== undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfigOrExit();
  Logger.overrideLogger(new StderrLogger({ logLevels: ['fatal', 'error', 'warn', 'log'], prefix: 'keys-cli' }));
  const log = new Logger('KeysCli');
  const opened = await openDatabase(config, log, { share: true });
  const ds = new DataSource({ ...dataSourceOptions(opened.config, opened.config.database.url!), entities: [SigningKeyEntity] });
  try {
    await ds.initialize();
    await runMigrations(ds);
    const result = await command({ ds, config: opened.config, flags });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await opened.embedded?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`keys: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
