import { CLIENTS_ENTITIES } from '@app/clients';
import { KEYS_ENTITIES } from '@app/keys';
import { OAUTH_ENTITIES } from '@app/oauth';
import { type DataSourceSchema, PERSISTENCE_ENTITIES } from '@app/persistence';
import { MIGRATIONS } from '../../../migrations';

/**
 * What the server, the command-line tool and the TypeORM CLI map and migrate: every lib's entities once, and every
 * migration in order. The app passes it to the persistence lib, which names no entity of another lib and no migration.
 */
export const SCHEMA: DataSourceSchema = {
  entities: [...PERSISTENCE_ENTITIES, ...CLIENTS_ENTITIES, ...KEYS_ENTITIES, ...OAUTH_ENTITIES],
  migrations: MIGRATIONS,
};
