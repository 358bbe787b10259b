import { AppConfig, Clock } from '@app/config';
import { AuditTrail, ChangeFeed, decodeCursor, encodeCursor, type Page } from '@app/persistence';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { ClientIdTakenError, ClientNotFoundError } from './client-admin.errors';
import { accessTokenLifetime, storableClientId } from './client-rules';
import { ClientPatch, ClientView, NewClient, toClientColumns, toClientView } from './client-metadata';
import { generateClientSecret } from './client-secret';
import { ClientEntity } from './client.entity';
import { CLIENT_TOPIC } from './clients.service';
import { SecretHasher } from './secret-hasher';

export interface ClientWithSecret {
  client: ClientView;
  /** Shown this once; only its hash is stored. */
  secret: string;
}

export interface RotatedSecret extends ClientWithSecret {
  /** Until when the previous secret keeps working; null when it stopped at once. */
  previousSecretExpiresAt: Date | null;
}

/** What a secret rotation answers, over HTTP and on the command line alike. */
export interface RotatedSecretView extends ClientView {
  /** The new secret, shown this once. */
  client_secret: string;
  /** Seconds since the epoch until which the previous secret works; null when it stopped at once. */
  previous_secret_expires_at: number | null;
}

export function toRotatedSecretView(r: RotatedSecret): RotatedSecretView {
  const until = r.previousSecretExpiresAt ? Math.floor(r.previousSecretExpiresAt.getTime() / 1000) : null;
  return { ...r.client, client_secret: r.secret, previous_secret_expires_at: until };
}

const CURSOR_KIND = 'clients';
const UNIQUE_VIOLATION = '23505';

/**
 * Registration and management of clients, shared by the admin API and the CLI. Every change runs in one
 * transaction with its audit row and a change-feed entry, so the next token request on any instance sees
 * it (a disabled or deleted client, a rotated secret, a removed scope).
 */
@Injectable()
export class ClientAdminService {
  private readonly logger = new Logger('ClientAdmin');

  constructor(
    private readonly ds: DataSource,
    private readonly hasher: SecretHasher,
    private readonly feed: ChangeFeed,
    private readonly audit: AuditTrail,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async create(input: NewClient, actor: string): Promise<ClientWithSecret> {
    const clientId = input.client_id ?? randomUUID();
    const secret = input.client_secret ?? generateClientSecret();
    const secretHash = await this.hasher.hash(secret);
    const client = await this.mutate(actor, 'client.created', clientId, async (m) => {
      try {
        await m.insert(ClientEntity, { clientId, secretHash, ...toClientColumns(input) });
      } catch (err) {
        if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
          throw new ClientIdTakenError(clientId);
        }
        throw err;
      }
      // Runs after the insert, which waits for a concurrent delete of the same id to commit, so the
      // tombstone that delete writes is seen here. Removing an expired tombstone is the clean-up.
      const tomb: { blocked_until: Date }[] = await m.query(
        'WITH gone AS (DELETE FROM oauth_deleted_clients WHERE client_id = $1 RETURNING blocked_until) SELECT blocked_until FROM gone',
        [clientId],
      );
      if (tomb.length && tomb[0].blocked_until.getTime() > this.clock.now()) throw new ClientIdTakenError(clientId, tomb[0].blocked_until);
      const view = toClientView(await m.findOneByOrFail(ClientEntity, { clientId }));
      const { client_id: _id, created_at: _c, updated_at: _u, client_id_issued_at: _i, client_secret_expires_at: _e, ...registered } = view;
      return { result: view, details: { ...registered, secret_source: input.client_secret === undefined ? 'generated' : 'given' } };
    });
    return { client, secret };
  }

  /** Keyset pagination in client_id order. */
  async list(limit: number, cursor?: string): Promise<Page<ClientView>> {
    const after = cursor === undefined ? undefined : decodeCursor(CURSOR_KIND, cursor);
    const q = this.ds
      .getRepository(ClientEntity)
      .createQueryBuilder('c')
      .orderBy('c.clientId', 'ASC')
      .limit(limit + 1);
    if (after !== undefined) q.where('c.clientId > :after', { after });
    const rows = await q.getMany();
    const page = rows.slice(0, limit);
    return {
      items: page.map(toClientView),
      next_cursor: rows.length > limit ? encodeCursor(CURSOR_KIND, page[page.length - 1].clientId) : null,
    };
  }

  async get(clientId: string): Promise<ClientView> {
    const client = storableClientId(clientId) ? await this.ds.getRepository(ClientEntity).findOneBy({ clientId }) : null;
    if (!client) throw new ClientNotFoundError(clientId);
    return toClientView(client);
  }

  async update(clientId: string, patch: ClientPatch, actor: string): Promise<ClientView> {
    return this.mutate(actor, 'client.updated', clientId, async (m) => {
      const current = await this.lock(m, clientId);
      const before = toClientView(current);
      const columns = toClientColumns(patch);
      const changes = changedFields(before, toClientView({ ...current, ...columns }));
      if (Object.keys(changes).length === 0) return { result: before, details: null };
      await m.update(ClientEntity, { clientId }, columns);
      return { result: toClientView(await m.findOneByOrFail(ClientEntity, { clientId })), details: { changes } };
    });
  }

  /**
   * Deletes the client and reserves its id until every token it holds has expired (tokens name the client
   * only by id, so a new client under the same id must not inherit them).
   */
  async delete(clientId: string, actor: string): Promise<void> {
    await this.mutate(actor, 'client.deleted', clientId, async (m) => {
      const client = await this.lock(m, clientId);
      await m.delete(ClientEntity, { clientId });
      const blockedUntil = new Date(this.clock.now() + this.outstandingTokenLifetime(client) * 1000);
      await m.query(
        `INSERT INTO oauth_deleted_clients (client_id, deleted_at, blocked_until) VALUES ($1, now(), $2)
         ON CONFLICT (client_id) DO UPDATE
           SET deleted_at = now(), blocked_until = GREATEST(oauth_deleted_clients.blocked_until, EXCLUDED.blocked_until)`,
        [clientId, blockedUntil],
      );
      return { result: undefined, details: { blocked_until: blockedUntil.toISOString() } };
    });
  }

  /**
   * Replaces the secret. With a grace period the previous one keeps working until it ends, so callers can
   * switch without downtime; only one previous secret is kept, so a second rotation ends the first grace.
   */
  async rotateSecret(clientId: string, graceSeconds: number, actor: string): Promise<RotatedSecret> {
    const secret = generateClientSecret();
    const secretHash = await this.hasher.hash(secret);
    return this.mutate(actor, 'client.secret_rotated', clientId, async (m) => {
      const client = await this.lock(m, clientId);
      const previousSecretExpiresAt = graceSeconds > 0 ? new Date(this.clock.now() + graceSeconds * 1000) : null;
      await m.update(
        ClientEntity,
        { clientId },
        {
          secretHash,
          previousSecretHash: previousSecretExpiresAt ? client.secretHash : null,
          previousSecretExpiresAt,
        },
      );
      const view = toClientView(await m.findOneByOrFail(ClientEntity, { clientId }));
      return {
        result: { client: view, secret, previousSecretExpiresAt },
        details: { grace_seconds: graceSeconds, previous_secret_expires_at: previousSecretExpiresAt?.toISOString() ?? null },
      };
    });
  }

  /**
   * Runs a change with its audit row and change-feed entry in one transaction, then logs it. `details`
   * null means nothing changed: no audit row, no cache invalidation.
   */
  private async mutate<T>(
    actor: string,
    action: string,
    clientId: string,
    work: (m: EntityManager) => Promise<{ result: T; details: Record<string, unknown> | null }>,
  ): Promise<T> {
    const { result, details } = await this.ds.transaction(async (m) => {
      const out = await work(m);
      if (out.details === null) return out;
      await this.audit.record(m, { actor, action, clientId, details: out.details });
      await this.feed.publish(m, CLIENT_TOPIC, clientId);
      return out;
    });
    if (details === null) return result;
    this.logger.log(`${action} client_id=${JSON.stringify(clientId)} by ${JSON.stringify(actor)} ${JSON.stringify(details)}`);
    return result;
  }

  private async lock(m: EntityManager, clientId: string): Promise<ClientEntity> {
    const client = storableClientId(clientId)
      ? await m.findOne(ClientEntity, { where: { clientId }, lock: { mode: 'pessimistic_write' } })
      : null;
    if (!client) throw new ClientNotFoundError(clientId);
    return client;
  }

  /**
   * The longest time a token already issued to this client can still be valid. While the client is
   * unchanged since registration every token carries its current lifetime; after any change an earlier,
   * longer one may be outstanding, so the cap applies.
   */
  private outstandingTokenLifetime(c: ClientEntity): number {
    const unchanged = c.updatedAt.getTime() === c.createdAt.getTime();
    return unchanged ? accessTokenLifetime(c.accessTokenTtl, this.config.tokens) : this.config.tokens.maxAccessTokenTtl;
  }
}

/** Fields whose value differs, as {from, to}; timestamps left out. */
function changedFields(before: ClientView, after: ClientView): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after) as (keyof ClientView)[]) {
    if (key === 'updated_at' || key === 'created_at') continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = { from: before[key], to: after[key] };
  }
  return out;
}
