import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { type AuditAction, AuditTrail } from './audit/audit-trail';
import { ChangeFeed, type ChangeTopic } from './change-feed';

/** One administrative change: who, what, and which change-feed key it invalidates on every instance. */
export interface ChangeRecord<K> {
  /** The admin token's client_id, "cli", or a system actor (`system:…`). */
  readonly actor: string;
  readonly action: AuditAction;
  readonly topic: ChangeTopic<K>;
  readonly key: K;
  /** The client the audit row is about, if any. */
  readonly clientId?: string | null;
}

/** What a change's work returns: its result, and the audit details (null: nothing changed, nothing recorded). */
export interface ChangeOutcome<R> {
  readonly result: R;
  readonly details: Record<string, unknown> | null;
}

/**
 * The one write path of administrative changes: the work, its audit row and its change-feed row in one
 * transaction; the change applied to this instance's caches as soon as it commits (at once here, within one poll
 * interval on the others); then one log line. Nothing is recorded or published when the work changed nothing.
 */
@Injectable()
export class Changes {
  private readonly logger = new Logger('Changes');

  constructor(
    private readonly ds: DataSource,
    private readonly feed: ChangeFeed,
    private readonly audit: AuditTrail,
  ) {}

  async apply<K, R>(change: ChangeRecord<K>, work: (m: EntityManager) => Promise<ChangeOutcome<R>>): Promise<R> {
    const { result, details } = await this.ds.transaction(async (m) => {
      const out = await work(m);
      if (out.details === null) return out;
      await this.audit.record(m, { actor: change.actor, action: change.action, clientId: change.clientId ?? null, details: out.details });
      await this.feed.publish(m, change.topic, change.key);
      return out;
    });
    if (details !== null) {
      const key = JSON.stringify(change.topic.encode(change.key));
      this.logger.log(`${change.action} ${change.topic.name}=${key} by ${JSON.stringify(change.actor)} ${JSON.stringify(details)}`);
    }
    return result;
  }
}
