import { ServerConfig } from '@app/config';
import {
  type AuditAction,
  type ChangeOutcome,
  Changes,
  isUniqueViolation,
  type KeysetOrder,
  keysetPage,
  LOCK_CLIENT_OR_ISSUER_NAME,
  lockName,
  type Page,
  textTopic,
} from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ClientMetadataError, TrustedIssuerConflictError, TrustedIssuerNotFoundError } from '../client-admin.errors';
import { jwksUriProblems } from '../client-public-key-rules';
import { TrustedIssuerEntity } from './trusted-issuer.entity';
import {
  DEFAULT_ISSUER_ALGS,
  DEFAULT_MAX_ASSERTION_LIFETIME,
  toTrustedIssuerColumns,
  toTrustedIssuerView,
  type TrustedIssuerInput,
  type TrustedIssuerPatch,
  type TrustedIssuerView,
} from './trusted-issuer.view';

export const TRUSTED_ISSUER_TOPIC = textTopic('trusted_issuer');
/** Keyset order of the list: issuer URLs ascending. */
const ISSUER_ORDER: KeysetOrder<TrustedIssuerEntity> = {
  kind: 'trusted-issuers',
  column: 't.issuer',
  direction: 'ASC',
  keyOf: (row) => row.issuer,
};

/** Registration of trusted issuers (workload identity federation), audited and published like client changes. */
@Injectable()
export class TrustedIssuerAdminService {
  constructor(
    private readonly ds: DataSource,
    private readonly changes: Changes,
    private readonly server: ServerConfig,
  ) {}

  async create(input: TrustedIssuerInput, actor: string): Promise<TrustedIssuerView> {
    this.checkUrls(input);
    return this.mutate(actor, 'trusted_issuer.created', input.issuer, async (m) => {
      // A client of this id created at the same time waits for this transaction, and the reverse (checkFederation).
      await lockName(m, LOCK_CLIENT_OR_ISSUER_NAME, input.issuer);
      const clash: unknown[] = await m.query('SELECT 1 FROM oauth_clients WHERE client_id = $1', [input.issuer]);
      if (clash.length) {
        throw new ClientMetadataError([{ field: 'issuer', message: 'a client has this identifier as its client_id' }]);
      }
      try {
        await m.insert(TrustedIssuerEntity, {
          issuer: input.issuer,
          signingAlgValues: DEFAULT_ISSUER_ALGS,
          maxAssertionLifetime: DEFAULT_MAX_ASSERTION_LIFETIME,
          ...toTrustedIssuerColumns(input),
        });
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new TrustedIssuerConflictError(`issuer "${input.issuer}" is already trusted`);
        }
        throw err;
      }
      const view = toTrustedIssuerView(await m.findOneByOrFail(TrustedIssuerEntity, { issuer: input.issuer }));
      const { created_at: _c, updated_at: _u, ...details } = view;
      return { result: view, details };
    });
  }

  list(limit: number, cursor?: string): Promise<Page<TrustedIssuerView>> {
    return keysetPage(
      this.ds.getRepository(TrustedIssuerEntity).createQueryBuilder('t'),
      ISSUER_ORDER,
      { limit, cursor },
      toTrustedIssuerView,
    );
  }

  async get(issuer: string): Promise<TrustedIssuerView> {
    const row = issuer.includes('\u0000') ? null : await this.ds.getRepository(TrustedIssuerEntity).findOneBy({ issuer });
    if (!row) throw new TrustedIssuerNotFoundError(issuer);
    return toTrustedIssuerView(row);
  }

  async update(issuer: string, patch: TrustedIssuerPatch, actor: string): Promise<TrustedIssuerView> {
    this.checkUrls(patch);
    return this.mutate(actor, 'trusted_issuer.updated', issuer, async (m) => {
      const before = toTrustedIssuerView(await this.lock(m, issuer));
      await m.update(TrustedIssuerEntity, { issuer }, toTrustedIssuerColumns(patch));
      const after = toTrustedIssuerView(await m.findOneByOrFail(TrustedIssuerEntity, { issuer }));
      const changes = Object.fromEntries(
        (Object.keys(after) as (keyof TrustedIssuerView)[])
          .filter((k) => k !== 'updated_at' && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
          .map((k) => [k, { from: before[k], to: after[k] }]),
      );
      return { result: after, details: Object.keys(changes).length ? { changes } : null };
    });
  }

  /** Refused while federated credentials name the issuer: those clients would silently stop authenticating. */
  async delete(issuer: string, actor: string): Promise<void> {
    await this.mutate(actor, 'trusted_issuer.deleted', issuer, async (m) => {
      await this.lock(m, issuer);
      const users: { client_id: string }[] = await m.query(
        `SELECT client_id FROM oauth_clients WHERE federated_credentials @> jsonb_build_array(jsonb_build_object('issuer', $1::text))
         ORDER BY client_id LIMIT 100`,
        [issuer],
      );
      if (users.length) {
        const ids = users.map((u) => u.client_id);
        throw new TrustedIssuerConflictError(
          `issuer "${issuer}" is named by the federated credentials of ${ids.map((i) => JSON.stringify(i)).join(', ')}: remove those first`,
          ids,
        );
      }
      await m.delete(TrustedIssuerEntity, { issuer });
      return { result: undefined, details: {} };
    });
  }

  private checkUrls(p: TrustedIssuerPatch & { issuer?: string }): void {
    const problems = [];
    if (p.issuer !== undefined) {
      const u = URL.canParse(p.issuer) ? new URL(p.issuer) : undefined;
      const schemes = this.server.production ? ['https:'] : ['https:', 'http:'];
      if (!u || !schemes.includes(u.protocol) || u.search || u.hash || u.username) {
        problems.push({ field: 'issuer', message: 'issuer must be an https URL without query or fragment (OpenID Connect Discovery §2)' });
      }
    }
    if (p.jwks_uri !== undefined && p.jwks_uri !== null) problems.push(...jwksUriProblems(p.jwks_uri, this.server.production));
    if (problems.length) throw new ClientMetadataError(problems);
  }

  private async lock(m: EntityManager, issuer: string): Promise<TrustedIssuerEntity> {
    const row = issuer.includes('\u0000')
      ? null
      : await m.findOne(TrustedIssuerEntity, { where: { issuer }, lock: { mode: 'pessimistic_write' } });
    if (!row) throw new TrustedIssuerNotFoundError(issuer);
    return row;
  }

  /** Every issuer change goes through the one write path (Changes); the audit details name the issuer. */
  private mutate<T>(actor: string, action: AuditAction, issuer: string, work: (m: EntityManager) => Promise<ChangeOutcome<T>>): Promise<T> {
    return this.changes.apply({ actor, action, topic: TRUSTED_ISSUER_TOPIC, key: issuer, clientId: null }, async (m) => {
      const out = await work(m);
      return out.details === null ? out : { result: out.result, details: { issuer, ...out.details } };
    });
  }
}
