import { recordAudit } from '@app/persistence';
import type { EntityManager } from 'typeorm';

export type KeyAuditAction = 'keys.next_created' | 'keys.rotated' | 'keys.rotated_immediately' | 'keys.reencrypted';

/** The actor recorded for changes made by the rotation schedule rather than an operator. */
export const SCHEDULER_ACTOR = 'system:key-rotation-schedule';

/** Records a key change in the audit trail, in the caller's transaction. Details hold key ids only. */
export function recordKeyAudit(m: EntityManager, actor: string, action: KeyAuditAction, details: Record<string, unknown>): Promise<void> {
  return recordAudit(m, { actor, action, clientId: null, details });
}
