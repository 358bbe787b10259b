import { AdminConfig, Clock, ServerConfig, TokenConfig } from '@app/config';
import {
  type AuditAction,
  AuditTrail,
  ChangeFeed,
  type ChangeOutcome,
  Changes,
  isUniqueViolation,
  type KeysetOrder,
  keysetPage,
  type Page,
} from '@app/persistence';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, IsNull, Not } from 'typeorm';
import { adminClientConflict, type AdminClientChange, playgroundClientConflict } from './admin-client-policy';
import { ClientIdTakenError, ClientMetadataError, ClientNotFoundError, ProtectedClientError } from './client-admin.errors';
import { ClientMetadataChecks } from './client-metadata-checks';
import { authMethodProblems } from './client-public-key-rules';
import { mtlsSubjectProblems, SECRETLESS_METHODS } from './mtls-client-rules';
import { accessTokenLifetime, storableClientId } from './client-rules';
import { ClientPatch, NewClient, toClientColumns } from './client-metadata';
import { takeTombstone, writeTombstone } from './client-tombstones';
import {
  changedFields,
  type ClientView,
  type ClientWithSecret,
  type RotatedSecret,
  type TokenCutoffResult,
  toClientView,
  type UpdatedClientView,
} from './client-view';
import { generateClientSecret } from './secrets/client-secret';
import { methodChangeSecretColumns, registeredSecretColumns, rotatedSecretColumns } from './secrets/secret-columns';
import { ClientSecretStore, secretForMethodChange } from './secrets/client-secret-store';
import { ClientEntity } from './client.entity';
import { CLIENT_TOPIC } from './directory/client-directory';
import { cutoffSecond, type CutoffReason } from './token-cutoff';

const CLIENT_ORDER: KeysetOrder<ClientEntity> = { kind: 'clients', column: 'c.clientId', direction: 'ASC', keyOf: (c) => c.clientId };

/**
 * Registration and management of clients, shared by the admin API and the CLI. Every change runs in one
 * transaction with its audit row and a change-feed entry; the feed applies it to this instance's caches once the
 * transaction commits and to the other instances' within one poll interval, so their next token request sees it
 * (a disabled or deleted client, a rotated secret, a removed scope).
 */
@Injectable()
export class ClientAdminService {
  private readonly logger = new Logger('ClientAdmin');

  constructor(
    private readonly ds: DataSource,
    private readonly feed: ChangeFeed,
    private readonly audit: AuditTrail,
    private readonly tokens: TokenConfig,
    private readonly server: ServerConfig,
    private readonly admin: AdminConfig,
    private readonly clock: Clock,
    private readonly checks: ClientMetadataChecks,
    private readonly secretStore: ClientSecretStore,
    private readonly changes: Changes,
  ) {}

  async create(input: NewClient, actor: string): Promise<ClientWithSecret> {
    const clientId = input.client_id ?? randomUUID();
    const method = input.token_endpoint_auth_method ?? 'client_secret_basic';
    this.checks.assertMethodEnabled(method);
    if (SECRETLESS_METHODS.includes(method) && input.client_secret !== undefined) {
      throw new ClientMetadataError([{ field: 'client_secret', message: `a ${method} client has no secret` }]);
    }
    const columns = toClientColumns(input);
    this.checks.throwIfAny(
      this.checks.shapeProblems(input),
      authMethodProblems({
        method,
        jwks: columns.jwks ?? null,
        jwksUri: columns.jwksUri ?? null,
        federated: columns.federatedCredentials ?? [],
      }),
      mtlsSubjectProblems({ ...columns, tokenEndpointAuthMethod: method }),
    );
    const secret = SECRETLESS_METHODS.includes(method) ? undefined : (input.client_secret ?? generateClientSecret());
    const origin = input.client_secret === undefined ? 'generated' : 'supplied';
    const secretColumns = registeredSecretColumns(
      secret === undefined ? undefined : await this.secretStore.secretColumns(clientId, method, secret, origin),
    );
    const client = await this.mutate(actor, 'client.created', clientId, async (m) => {
      await this.checks.checkFederation(m, clientId, columns.federatedCredentials);
      try {
        await m.insert(ClientEntity, { clientId, ...secretColumns, ...columns });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new ClientIdTakenError(clientId);
        }
        throw err;
      }
      // After the insert: see takeTombstone.
      const blockedUntil = await takeTombstone(m, clientId);
      if (blockedUntil && blockedUntil.getTime() > this.clock.now()) throw new ClientIdTakenError(clientId, blockedUntil);
      const view = toClientView(await m.findOneByOrFail(ClientEntity, { clientId }));
      const { client_id: _id, created_at: _c, updated_at: _u, client_id_issued_at: _i, client_secret_expires_at: _e, ...registered } = view;
      const source = secret === undefined ? 'none' : input.client_secret === undefined ? 'generated' : 'given';
      return { result: view, details: { ...registered, secret_source: source } };
    });
    return { client, secret };
  }

  /** Keyset pagination in client_id order. */
  list(limit: number, cursor?: string): Promise<Page<ClientView>> {
    return keysetPage(this.ds.getRepository(ClientEntity).createQueryBuilder('c'), CLIENT_ORDER, { limit, cursor }, toClientView);
  }

  async get(clientId: string): Promise<ClientView> {
    const client = storableClientId(clientId) ? await this.ds.getRepository(ClientEntity).findOneBy({ clientId }) : null;
    if (!client) throw new ClientNotFoundError(clientId);
    return toClientView(client);
  }

  async update(clientId: string, patch: ClientPatch, actor: string): Promise<UpdatedClientView> {
    const columns = toClientColumns(patch);
    if (patch.enabled === false) this.refuseForAdminClient(clientId, { kind: 'disable' });
    const playground = playgroundClientConflict(this.server, clientId, patch.enabled);
    if (playground !== undefined) throw new ClientMetadataError([{ field: 'enabled', message: playground }]);
    this.refuseForAdminClient(clientId, {
      kind: 'update',
      scopes: columns.scopes,
      audiences: columns.audiences,
      authMethod: columns.tokenEndpointAuthMethod,
    });
    if (columns.tokenEndpointAuthMethod) this.checks.assertMethodEnabled(columns.tokenEndpointAuthMethod);
    this.checks.throwIfAny(this.checks.shapeProblems(patch));
    return this.mutate(actor, 'client.updated', clientId, async (m) => {
      const current = await this.lock(m, clientId);
      const before = toClientView(current);
      const after = { ...current, ...columns };
      this.checks.throwIfAny(
        authMethodProblems({
          method: after.tokenEndpointAuthMethod,
          jwks: after.jwks,
          jwksUri: after.jwksUri,
          federated: after.federatedCredentials,
        }),
        mtlsSubjectProblems(after),
      );
      if (columns.federatedCredentials) await this.checks.checkFederation(m, clientId, columns.federatedCredentials);
      const changes = changedFields(before, toClientView(after));
      if (Object.keys(changes).length === 0) return { result: before, details: null };
      const switched = secretForMethodChange(current.tokenEndpointAuthMethod, after.tokenEndpointAuthMethod);
      const secret = switched === 'new' ? generateClientSecret() : undefined;
      const secretColumns = methodChangeSecretColumns(
        switched,
        secret === undefined
          ? undefined
          : await this.secretStore.secretColumns(clientId, after.tokenEndpointAuthMethod, secret, 'generated'),
      );
      // Disabling cuts off every token issued so far, so enabling again later does not revive them.
      const cutoff = current.enabled && columns.enabled === false ? this.cutoffColumns(current, 'disabled') : undefined;
      await m.update(ClientEntity, { clientId }, { ...columns, ...secretColumns, ...cutoff?.columns });
      const view = toClientView(await m.findOneByOrFail(ClientEntity, { clientId }));
      return {
        result: secret === undefined ? view : { ...view, client_secret: secret },
        details: { changes, ...cutoff?.details, ...(secret !== undefined ? { secret_issued: true } : {}) },
      };
    });
  }

  /**
   * Deletes the client and reserves its id until every token it holds has expired (tokens name the client
   * only by id, so a new client under the same id must not inherit them).
   */
  async delete(clientId: string, actor: string): Promise<void> {
    await this.mutate(actor, 'client.deleted', clientId, async (m) => {
      const client = await this.lock(m, clientId);
      this.refuseForAdminClient(clientId, { kind: 'delete' });
      await m.delete(ClientEntity, { clientId });
      // Both instants on the Clock, which also decides when the reservation ends (see create).
      const deletedAt = new Date(this.clock.now());
      const blockedUntil = new Date(deletedAt.getTime() + this.outstandingTokenLifetime(client) * 1000);
      await writeTombstone(m, { clientId, deletedAt, blockedUntil });
      return { result: undefined, details: { blocked_until: blockedUntil.toISOString() } };
    });
  }

  /**
   * Replaces the secret. With a grace period the previous one keeps working until it ends, so callers can
   * switch without downtime; only one previous secret is kept, so a second rotation ends the first grace.
   * With `revokeTokens` (a leaked secret) every token issued so far is cut off as well, and the previous secret
   * stops at once whatever the grace: a leaked secret must not mint fresh tokens after the cut-off.
   */
  async rotateSecret(clientId: string, graceSeconds: number, actor: string, opts: { revokeTokens?: boolean } = {}): Promise<RotatedSecret> {
    this.refuseForAdminClient(clientId, { kind: 'rotate' });
    const secret = generateClientSecret();
    return this.mutate(actor, 'client.secret_rotated', clientId, async (m) => {
      const client = await this.lock(m, clientId);
      const method = client.tokenEndpointAuthMethod;
      if (SECRETLESS_METHODS.includes(method)) {
        throw new ClientMetadataError([{ field: 'token_endpoint_auth_method', message: `a ${method} client has no secret to rotate` }]);
      }
      const issued = await this.secretStore.secretColumns(clientId, method, secret, 'generated');
      // revoke_tokens ends the grace at once.
      const grace = opts.revokeTokens ? 0 : graceSeconds;
      const previousSecretExpiresAt = grace > 0 ? new Date(this.clock.now() + grace * 1000) : null;
      const cutoff = opts.revokeTokens ? this.cutoffColumns(client, 'secret_rotated') : undefined;
      await m.update(ClientEntity, { clientId }, { ...rotatedSecretColumns(client, issued, previousSecretExpiresAt), ...cutoff?.columns });
      const view = toClientView(await m.findOneByOrFail(ClientEntity, { clientId }));
      return {
        result: { client: view, secret, previousSecretExpiresAt, tokensRevokedBefore: cutoff?.columns.tokensRevokedBefore ?? null },
        details: {
          grace_seconds: grace,
          ...(grace !== graceSeconds ? { grace_ended_by_revoke_tokens: true } : {}),
          previous_secret_expires_at: previousSecretExpiresAt?.toISOString() ?? null,
          ...cutoff?.details,
        },
      };
    });
  }

  /**
   * Re-seals every client_secret_jwt secret under the first of KEY_ENCRYPTION_KEYS (with `keys reencrypt`), so the
   * previous key-encryption key can be dropped. Returns the ids of the clients re-sealed.
   */
  async resealSecrets(actor: string): Promise<{ total: number; resealed: string[] }> {
    const out = await this.ds.transaction(async (m) => {
      const rows = await m.find(ClientEntity, {
        where: [{ sealedSecret: Not(IsNull()) }, { previousSealedSecret: Not(IsNull()) }],
        order: { clientId: 'ASC' },
        lock: { mode: 'pessimistic_write' },
      });
      const resealed: string[] = [];
      for (const row of rows) {
        const current = row.sealedSecret === null ? undefined : this.secretStore.reseal(row.clientId, row.sealedSecret);
        const previous = row.previousSealedSecret === null ? undefined : this.secretStore.reseal(row.clientId, row.previousSealedSecret);
        if (current === undefined && previous === undefined) continue;
        await m.update(
          ClientEntity,
          { clientId: row.clientId },
          {
            ...(current !== undefined ? { sealedSecret: current } : {}),
            ...(previous !== undefined ? { previousSealedSecret: previous } : {}),
          },
        );
        await this.feed.publish(m, CLIENT_TOPIC, row.clientId);
        resealed.push(row.clientId);
      }
      if (resealed.length) await this.audit.record(m, { actor, action: 'clients.secrets_resealed', clientId: null, details: { resealed } });
      return { total: rows.length, resealed };
    });
    if (out.resealed.length) this.logger.log(`clients.secrets_resealed ${JSON.stringify(out.resealed)} by ${JSON.stringify(actor)}`);
    return out;
  }

  /**
   * Cuts off every token issued to the client so far (at introspection, in the admin guard, on every
   * instance), without changing anything else: for a leaked token. Tokens issued later are not affected.
   */
  async revokeTokens(clientId: string, actor: string): Promise<TokenCutoffResult> {
    return this.mutate(actor, 'client.tokens_revoked', clientId, async (m) => {
      const client = await this.lock(m, clientId);
      const cutoff = this.cutoffColumns(client, 'revoked');
      await m.update(ClientEntity, { clientId }, cutoff.columns);
      return { result: { clientId, tokensRevokedBefore: cutoff.columns.tokensRevokedBefore }, details: cutoff.details };
    });
  }

  /** The cut-off columns for "now"; it never moves back, so an earlier, later-dated cut-off stays. */
  private cutoffColumns(
    client: ClientEntity,
    reason: CutoffReason,
  ): { columns: { tokensRevokedBefore: Date }; details: Record<string, unknown> } {
    const now = new Date(cutoffSecond(new Date(this.clock.now())) * 1000);
    const at = client.tokensRevokedBefore && client.tokensRevokedBefore > now ? client.tokensRevokedBefore : now;
    return { columns: { tokensRevokedBefore: at }, details: { tokens_revoked_before: at.toISOString(), cutoff_reason: reason } };
  }

  private refuseForAdminClient(clientId: string, change: AdminClientChange): void {
    const reason = adminClientConflict({ admin: this.admin, production: this.server.production }, clientId, change);
    if (reason !== undefined) throw new ProtectedClientError(clientId, reason);
  }

  /** Every client change goes through the one write path (Changes): audit row, change-feed row, log line. */
  private mutate<T>(
    actor: string,
    action: AuditAction,
    clientId: string,
    work: (m: EntityManager) => Promise<ChangeOutcome<T>>,
  ): Promise<T> {
    return this.changes.apply({ actor, action, topic: CLIENT_TOPIC, key: clientId, clientId }, work);
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
    return unchanged ? accessTokenLifetime(c.accessTokenTtl, this.tokens) : this.tokens.maxAccessTokenTtl;
  }
}
