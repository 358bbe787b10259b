import { CLIENTS_ENTITIES } from '@app/clients';
import { KEYS_ENTITIES } from '@app/keys';
import { OAUTH_ENTITIES } from '@app/oauth';
import { PERSISTENCE_ENTITIES } from '@app/persistence';

/** Every mapped entity, each lib's list once: the server, the command-line tool and the TypeORM CLI use this one. */
export const ENTITIES = [...PERSISTENCE_ENTITIES, ...CLIENTS_ENTITIES, ...KEYS_ENTITIES, ...OAUTH_ENTITIES];
