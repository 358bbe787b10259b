import { AppConfig } from '@app/config';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';

type Listener = (key: string) => void;
/** Key that every listener receives when this instance may have missed changes: drop everything. */
export const ALL_KEYS = '*';

const WINDOW_SECONDS = 30;

/**
 * Cross-instance cache invalidation through the change_log table. Writers append (topic, key) in their own
 * transaction; every instance polls the recent window, so a change made on one instance (or by the CLI)
 * reaches the caches of all instances sharing the database within one poll interval. Polling a table,
 * unlike LISTEN/NOTIFY, loses nothing while a connection is down; an outage longer than the window flushes
 * the caches instead.
 */
@Injectable()
export class ChangeFeed implements OnModuleInit, OnApplicationShutdown, EntitySubscriberInterface {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly seen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private lastSuccess = Date.now();
  private failing = false;
  private polling = false;
  private lastPrune = 0;
  /** Changes published inside a transaction, applied locally only once it commits. */
  private readonly pending = new WeakMap<QueryRunner, [string, string][]>();

  constructor(
    private readonly ds: DataSource,
    private readonly config: AppConfig,
  ) {
    // TypeORM calls afterTransactionCommit/afterTransactionRollback on registered subscribers.
    ds.subscribers.push(this);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.poll(), this.config.database.changePollIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  subscribe(topic: string, listener: Listener): void {
    if (!this.listeners.has(topic)) this.listeners.set(topic, new Set());
    this.listeners.get(topic)!.add(listener);
  }

  /**
   * Records a change inside the caller's transaction. This instance applies it as soon as the transaction
   * commits (at once outside a transaction): applied earlier, a concurrent reader could re-cache the old row
   * or find the new one missing.
   */
  async publish(manager: EntityManager, topic: string, key: string): Promise<void> {
    await manager.query('INSERT INTO change_log (topic, key) VALUES ($1, $2)', [topic, key]);
    const qr = manager.queryRunner;
    if (qr?.isTransactionActive) {
      const list = this.pending.get(qr) ?? [];
      list.push([topic, key]);
      this.pending.set(qr, list);
    } else {
      this.emit(topic, key);
    }
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const qr = event.queryRunner;
    if (qr.isTransactionActive) return; // a savepoint was released; the outer transaction is still open
    const list = this.pending.get(qr);
    this.pending.delete(qr);
    for (const [topic, key] of list ?? []) this.emit(topic, key);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.pending.delete(event.queryRunner);
  }

  /** Applies a change to this instance's caches only (e.g. after a write that is already logged). */
  emit(topic: string, key: string): void {
    for (const l of this.listeners.get(topic) ?? []) l(key);
  }

  /** Milliseconds since the last successful poll (read by the metrics). */
  lagMs(): number {
    return Date.now() - this.lastSuccess;
  }

  /** One poll; exposed so tests and shutdown paths can force it. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const rows: { seq: string; topic: string; key: string }[] = await this.ds.query(
        `SELECT seq::text AS seq, topic, key FROM change_log WHERE at > now() - make_interval(secs => $1) ORDER BY seq`,
        [WINDOW_SECONDS],
      );
      if (Date.now() - this.lastSuccess > (WINDOW_SECONDS - 5) * 1000) {
        this.logger.warn('change feed was unreachable longer than its window; flushing caches');
        for (const topic of this.listeners.keys()) this.emit(topic, ALL_KEYS);
      }
      const now = Date.now();
      for (const r of rows) {
        if (this.seen.has(r.seq)) continue;
        this.seen.set(r.seq, now);
        this.emit(r.topic, r.key);
      }
      for (const [seq, t] of this.seen) if (now - t > WINDOW_SECONDS * 2000) this.seen.delete(seq);
      this.lastSuccess = now;
      if (this.failing) this.logger.log('change feed reachable again');
      this.failing = false;
      if (now - this.lastPrune > 600_000) {
        this.lastPrune = now;
        await this.ds.query(`DELETE FROM change_log WHERE at < now() - interval '1 hour'`);
      }
    } catch (err) {
      if (!this.failing) this.logger.warn(`change feed poll failed: ${(err as Error).message}`);
      this.failing = true;
    } finally {
      this.polling = false;
    }
  }
}
