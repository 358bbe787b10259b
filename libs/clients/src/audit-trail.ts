import { AuditRecord, recordAudit } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AuditEntryEntity } from './audit-entry.entity';
import { InvalidCursorError } from './client-admin.errors';
import { decodeCursor, encodeCursor, Page } from './page-cursor';

export interface AuditEntryView {
  id: string;
  at: string;
  actor: string;
  action: string;
  client_id: string | null;
  details: Record<string, unknown>;
}

const CURSOR_KIND = 'audit';

/** The audit_log table: written in the same transaction as the change it records, read newest first. */
@Injectable()
export class AuditTrail {
  constructor(@InjectRepository(AuditEntryEntity) private readonly repo: Repository<AuditEntryEntity>) {}

  record(m: EntityManager, entry: AuditRecord): Promise<void> {
    return recordAudit(m, entry);
  }

  /** Keyset pagination on the id, newest first. */
  async list(limit: number, cursor?: string): Promise<Page<AuditEntryView>> {
    const before = cursor === undefined ? undefined : decodeCursor(CURSOR_KIND, cursor);
    if (before !== undefined && !/^\d{1,18}$/.test(before)) throw new InvalidCursorError();
    const q = this.repo
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
