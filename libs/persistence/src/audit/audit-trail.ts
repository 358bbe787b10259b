import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { type KeysetOrder, keysetPage, type Page } from '../page-cursor';
import { AuditEntryEntity } from './audit-entry.entity';
import { currentAuditContext } from './audit-context';

/**
 * Every action the audit trail records, `<subject>.<what was done>` in the past tense. Only `client.` rows name a
 * client_id; `clients.` is a change to many clients at once (listed in details), `keys.` to the signing keys, and
 * `trusted_issuer.` to one trusted issuer (named in details).
 */
export const AUDIT_ACTIONS = [
  'client.created',
  'client.updated',
  'client.deleted',
  'client.secret_rotated',
  'client.tokens_revoked',
  'clients.secrets_resealed',
  'keys.activated',
  'keys.next_created',
  'keys.rotated',
  'keys.rotated_immediately',
  'keys.retired',
  'keys.reencrypted',
  'trusted_issuer.created',
  'trusted_issuer.updated',
  'trusted_issuer.deleted',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One state change to record. */
export interface AuditRecord {
  /** The admin token's client_id, "cli", or a system actor (`system:…`). */
  actor: string;
  action: AuditAction;
  clientId: string | null;
  /**
   * Must not contain a secret or key material; callers pass the non-secret fields that changed. `via` and
   * `token_id` are added from the AuditContext (see withAuditContext).
   */
  details: Record<string, unknown>;
}

export interface AuditEntryView {
  id: string;
  at: string;
  actor: string;
  action: string;
  client_id: string | null;
  details: Record<string, unknown>;
}

/** Exact-match filters of the audit list; absent fields do not filter. */
export interface AuditFilter {
  clientId?: string;
  actor?: string;
  action?: string;
}

/** Newest first, on the id (a bigint, so a cursor key must be one). */
const AUDIT_ORDER: KeysetOrder<AuditEntryEntity> = {
  kind: 'audit',
  column: 'a.id',
  direction: 'DESC',
  keyOf: (e) => e.id,
  validKey: (key) => /^\d{1,18}$/.test(key),
};

/**
 * The audit trail (table audit_log), the one home of its writer and reader: every client and key change writes
 * its row in the same transaction as the change, so both commit together; the admin API reads it newest first.
 */
@Injectable()
export class AuditTrail {
  constructor(private readonly ds: DataSource) {}

  /** Appends a row inside the caller's transaction; `via` (and `token_id`) name the route of the current AuditContext. */
  async record(m: EntityManager, entry: AuditRecord): Promise<void> {
    const context = currentAuditContext();
    const route = context ? { via: context.via, ...(context.tokenId !== undefined ? { token_id: context.tokenId } : {}) } : {};
    await m.query('INSERT INTO audit_log (actor, action, client_id, details) VALUES ($1, $2, $3, $4::jsonb)', [
      entry.actor,
      entry.action,
      entry.clientId,
      JSON.stringify({ ...entry.details, ...route }),
    ]);
  }

  /** Keyset pagination on the id, newest first, of the entries matching every given filter. */
  list(limit: number, cursor?: string, filter: AuditFilter = {}): Promise<Page<AuditEntryView>> {
    const query = this.ds.getRepository(AuditEntryEntity).createQueryBuilder('a');
    if (filter.clientId !== undefined) query.andWhere('a.client_id = :clientId', { clientId: filter.clientId });
    if (filter.actor !== undefined) query.andWhere('a.actor = :actor', { actor: filter.actor });
    if (filter.action !== undefined) query.andWhere('a.action = :action', { action: filter.action });
    return keysetPage(query, AUDIT_ORDER, { limit, cursor }, toAuditView);
  }
}

function toAuditView(e: AuditEntryEntity): AuditEntryView {
  return { id: e.id, at: e.at.toISOString(), actor: e.actor, action: e.action, client_id: e.clientId, details: e.details };
}
