import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { decodeCursor, encodeCursor, InvalidCursorError, Page } from '../page-cursor';
import { AuditEntryEntity } from './audit-entry.entity';

/** One state change to record. */
export interface AuditRecord {
  /** The admin token's client_id, "cli", or a system actor (`system:…`). */
  actor: string;
  /**
   * What happened, `<subject>.<past participle>`: client.created, client.updated, client.deleted,
   * client.secret_rotated, client.bootstrap_updated, keys.activated, keys.retired, keys.next_created, keys.rotated,
   * keys.rotated_immediately, keys.reencrypted.
   */
  action: string;
  clientId: string | null;
  /** Must not contain a secret or key material; callers pass the non-secret fields that changed. */
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

const CURSOR_KIND = 'audit';

/**
 * The audit trail (table audit_log), the one home of its writer and reader: every client and key change writes
 * its row in the same transaction as the change, so both commit together; the admin API reads it newest first.
 */
@Injectable()
export class AuditTrail {
  constructor(private readonly ds: DataSource) {}

  /** Appends a row inside the caller's transaction. */
  async record(m: EntityManager, entry: AuditRecord): Promise<void> {
    await m.query('INSERT INTO audit_log (actor, action, client_id, details) VALUES ($1, $2, $3, $4::jsonb)', [
      entry.actor,
      entry.action,
      entry.clientId,
      JSON.stringify(entry.details),
    ]);
  }

  /** Keyset pagination on the id, newest first. */
  async list(limit: number, cursor?: string): Promise<Page<AuditEntryView>> {
    const before = cursor === undefined ? undefined : decodeCursor(CURSOR_KIND, cursor);
    if (before !== undefined && !/^\d{1,18}$/.test(before)) throw new InvalidCursorError();
    const q = this.ds
      .getRepository(AuditEntryEntity)
      .createQueryBuilder('a')
      .orderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (before !== undefined) q.where('a.id < :before', { before });
    const rows = await q.getMany();
    const page = rows.slice(0, limit);
    return {
      items: page.map(toAuditView),
      next_cursor: rows.length > limit ? encodeCursor(CURSOR_KIND, page[page.length - 1].id) : null,
    };
  }
}

function toAuditView(e: AuditEntryEntity): AuditEntryView {
  return { id: e.id, at: e.at.toISOString(), actor: e.actor, action: e.action, client_id: e.clientId, details: e.details };
}
