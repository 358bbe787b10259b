import 'reflect-metadata';
import { dataSourceOptions } from '@app/persistence';
import { DataSource } from 'typeorm';
import { SCHEMA } from './schema';
import { loadConfig } from './load-config';

/**
 * The data source for the TypeORM CLI, e.g. after `npm run build`:
 *   DATABASE_URL=... KEY_ENCRYPTION_KEYS=... npx typeorm -d dist/apps/auth-server/src/data-source.js migration:show
 * New migrations go in migrations/ and are listed in migrations/index.ts. Configuration comes from the config
 * lib like everywhere else; DATABASE_URL is required here (the CLI does not start the embedded database).
 */
const config = loadConfig();
if (!config.database.url) throw new Error('DATABASE_URL is required for the TypeORM CLI');

export default new DataSource(dataSourceOptions(config, config.database.url, SCHEMA));
