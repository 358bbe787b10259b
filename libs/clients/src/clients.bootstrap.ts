import { AdminConfig, Clock, DatabaseConfig, ServerConfig } from '@app/config';
import { Changes, LOCK_BOOTSTRAP, withAdvisoryLock } from '@app/persistence';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { generateClientSecret } from './secrets/client-secret';
import { ClientEntity } from './client.entity';
import { CLIENT_TOPIC, ClientDirectory } from './directory/client-directory';
import { PLAYGROUND_CLIENT, refuseWellKnownSecret } from './playground-client';
import { SecretStorage } from './secrets/secret-storage';

export const DEFAULT_ADMIN_CLIENT_ID = 'admin';

/** The actor recorded for the clients a start creates or updates. */
export const BOOTSTRAP_ACTOR = 'system:bootstrap';

/**
 * Seeds the playground client (when configured), makes sure the configured admin client exists with the
 * configured secret, and in production refuses to start while the playground secret still works; under an
 * advisory lock so instances starting together do it once.
 */
@Injectable()
export class ClientsBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('ClientsBootstrap');

  constructor(
    private readonly ds: DataSource,
    private readonly server: ServerConfig,
    private readonly admin: AdminConfig,
    private readonly database: DatabaseConfig,
    private readonly secrets: SecretStorage,
    private readonly changes: Changes,
    private readonly directory: ClientDirectory,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await withAdvisoryLock(this.ds, LOCK_BOOTSTRAP, async () => {
      if (this.server.seedPlaygroundClient) await this.seedPlayground();
      await this.ensureAdminClient();
    });
    // After the lock: whatever a twin instance seeded meanwhile is in the table now.
    await this.directory.loadIds();
    if (this.server.production) await refuseWellKnownSecret(this.ds.getRepository(ClientEntity), this.secrets, this.clock.now());
    await this.reportSlowHashes();
  }

  /**
   * Secrets stored with a slow hash (supplied ones) are the only ones a stranger's wrong guess costs scrypt for:
   * production says once at start how many enabled clients still have one, so operators can rotate them.
   */
  private async reportSlowHashes(): Promise<void> {
    if (!this.server.production) return;
    const [{ count }] = await this.ds.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM oauth_clients WHERE enabled AND secret_hash LIKE '$scrypt$%'`,
    );
    if (count > 0) {
      this.logger.warn(
        `${count} enabled client(s) still have a secret stored with a slow hash (a supplied secret): each wrong guess for them costs scrypt. Rotating to a generated secret removes that exposure`,
      );
    }
  }

  private async seedPlayground(): Promise<void> {
    const repo = this.ds.getRepository(ClientEntity);
    if (await repo.existsBy({ clientId: PLAYGROUND_CLIENT.clientId })) return;
    await this.create('playground client of the quick start', {
      clientId: PLAYGROUND_CLIENT.clientId,
      clientName: 'Playground client of the quick start (not created in production)',
      secretHash: await this.secrets.store(PLAYGROUND_CLIENT.secret, 'supplied'),
      scopes: [...PLAYGROUND_CLIENT.scopes],
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    this.logger.log(`seeded playground client ${PLAYGROUND_CLIENT.clientId}`);
  }

  private async ensureAdminClient(): Promise<void> {
    const { clientId, clientSecret, scope, audience } = this.admin;
    const repo = this.ds.getRepository(ClientEntity);
    if (clientId && clientSecret) {
      await this.ensureConfiguredAdminClient(clientId, clientSecret);
      return;
    }
    // No explicit admin credentials (never in production). Only the embedded database gets a generated admin
    // client: its random secret goes to a file beside that database, readable by this user only, so no
    // well-known admin secret exists and none is logged. A shared database (DATABASE_URL) gets none, since
    // instances must not each invent one.
    if (!this.database.embedded) {
      this.logger.warn(
        'no admin client configured: set ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET, or create one with `npm run cli -- create`',
      );
      return;
    }
    if (await repo.existsBy({ clientId: DEFAULT_ADMIN_CLIENT_ID })) return;
    const secret = generateClientSecret();
    await this.create('generated admin client of the embedded database', {
      clientId: DEFAULT_ADMIN_CLIENT_ID,
      clientName: 'Admin client (generated)',
      secretHash: await this.secrets.store(secret, 'generated'),
      scopes: [scope],
      audiences: [audience],
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    const dir = resolve(this.database.dataDir);
    const file = resolve(dir, 'admin-client.json');
    await mkdir(dir, { recursive: true });
    await writeFile(file, JSON.stringify({ client_id: DEFAULT_ADMIN_CLIENT_ID, client_secret: secret }, null, 2) + '\n', { mode: 0o600 });
    this.logger.warn(`created admin client "${DEFAULT_ADMIN_CLIENT_ID}" with a random secret, written to ${file} (shown nowhere else)`);
  }

  /** Inserts a client this start creates, through the one write path: other instances learn of its id too. */
  private async create(reason: string, row: Partial<ClientEntity> & Pick<ClientEntity, 'clientId'>): Promise<void> {
    const change = {
      actor: BOOTSTRAP_ACTOR,
      action: 'client.created',
      topic: CLIENT_TOPIC,
      key: row.clientId,
      clientId: row.clientId,
    } as const;
    await this.changes.apply(change, async (m) => {
      await m.insert(ClientEntity, row);
      return { result: undefined, details: { reason } };
    });
  }

  /**
   * The configured admin client (ADMIN_CLIENT_ID / ADMIN_CLIENT_SECRET) is defined by the configuration: it is
   * created when missing and its secret follows ADMIN_CLIENT_SECRET, each with an audit row. Nothing else is
   * changed behind the operator's back: the admin API and the CLI refuse to disable, delete or rotate it or to
   * take away its admin scope or audience (409), and a state reached some other way is reported, not undone.
   */
  private async ensureConfiguredAdminClient(clientId: string, clientSecret: string): Promise<void> {
    const { scope, audience } = this.admin;
    const existing = await this.ds.getRepository(ClientEntity).findOneBy({ clientId });
    if (!existing) {
      await this.create('ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET', {
        clientId,
        clientName: 'Admin client (ADMIN_CLIENT_ID)',
        secretHash: await this.secrets.store(clientSecret, 'supplied'),
        scopes: [scope],
        audiences: [audience],
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethod: 'client_secret_basic',
      });
      this.logger.log(`created admin client ${clientId} from ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET`);
      return;
    }
    if (existing.secretHash === null || !(await this.secrets.matches(clientSecret, existing.secretHash))) {
      const secretHash = await this.secrets.store(clientSecret, 'supplied');
      const change = { actor: BOOTSTRAP_ACTOR, action: 'client.updated', topic: CLIENT_TOPIC, key: clientId, clientId } as const;
      await this.changes.apply(change, async (m) => {
        await m.update(ClientEntity, { clientId }, { secretHash, previousSecretHash: null, previousSecretExpiresAt: null });
        return { result: undefined, details: { source: 'ADMIN_CLIENT_ID/ADMIN_CLIENT_SECRET', secret_replaced: true } };
      });
      this.logger.warn(`admin client ${clientId}: secret changed to ADMIN_CLIENT_SECRET (audited); the previous secret no longer works`);
    }
    const problems = [
      ...(existing.enabled ? [] : ['it is disabled (`npm run cli -- enable ' + clientId + '`)']),
      ...(existing.scopes.includes(scope) ? [] : [`it lacks the admin scope "${scope}"`]),
      ...(existing.audiences.includes(audience) ? [] : [`it lacks the admin audience "${audience}"`]),
    ];
    if (problems.length) {
      this.logger.warn(
        `admin client ${clientId} cannot use the admin API: ${problems.join('; ')}. Fix it with \`npm run cli\`; nothing was changed`,
      );
    }
  }
}
