import { EntityManager } from 'typeorm';

export type KeyAuditAction = 'keys.next_created' | 'keys.rotated' | 'keys.rotated_immediately' | 'keys.reencrypted';

/** The actor recorded for changes made by the rotation schedule rather than an operator. */
export const SCHEDULER_ACTOR = 'system:key-rotation-schedule';

/**
 * Appends to the admin audit trail inside the caller's transaction, so a key change and its record commit
 * together. Details hold key ids only, never key material.
 */
export async function recordKeyAudit(m: EntityManager, actor: string, action: KeyAuditAction, details: Record<string, unknown>): Promise<void> {
  await m.query('INSERT INTO audit_log (actor, action, client_id, details) VALUES ($1, $2, NULL, $3::jsonb)', [
    actor,
    action,
    JSON.stringify(details),
  ]);
}
