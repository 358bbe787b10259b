import type { EntityManager } from 'typeorm';

export interface AuditRecord {
  /** The admin token's client_id, "cli", or a system actor. */
  actor: string;
  action: string;
  clientId: string | null;
  /** Must not contain a secret or key material; callers pass the non-secret fields that changed. */
  details: Record<string, unknown>;
}

/**
 * Appends to the audit_log table inside the caller's transaction, so a change and its record commit
 * together. The one writer of that table, for client and key changes alike.
 */
export async function recordAudit(m: EntityManager, entry: AuditRecord): Promise<void> {
  await m.query('INSERT INTO audit_log (actor, action, client_id, details) VALUES ($1, $2, $3, $4::jsonb)', [
    entry.actor,
    entry.action,
    entry.clientId,
    JSON.stringify(entry.details),
  ]);
}
