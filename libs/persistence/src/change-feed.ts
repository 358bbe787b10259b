import { Clock, DatabaseConfig } from '@app/config';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { MigrationRunner } from './migration-runner';

/** What every listener receives when this instance may have missed changes: drop everything of the topic. */
export const ALL_KEYS: unique symbol = Symbol('all keys');

/**
 * A change-feed topic: its name in change_log and how its key is written there and read back, so writers and
 * listeners share one typed key (a revocation is {exp, jti}, not a string to split).
 */
export interface ChangeTopic<K> {
  readonly name: string;
  encode(key: K): string;
  /** Undefined for a key this version cannot read (it is then skipped). */
  decode(raw: string): K | undefined;
}

/** A topic whose key is a plain string (a client id, an issuer, a key id). */
export function textTopic(name: string): ChangeTopic<string> {
  return { name, encode: (key) => key, decode: (raw) => raw };
}

type Listener<K> = (key: K | typeof ALL_KEYS) => void;

interface Subscription {
  topic: ChangeTopic<unknown>;
  listeners: Set<Listener<unknown>>;
}

/** How long a missing sequence number is re-read before it is taken for a rolled-back write. */
export const GAP_WAIT_MS = 60_000;
/** Rows are kept this long; an instance that could not poll for longer flushes its caches instead. */
const RETENTION_MS = 3_600_000;
const OUTAGE_FLUSH_MS = RETENTION_MS - 600_000;
/** More open gaps than this (a jump of the sequence) is handled as an outage: flush and start over. */
const MAX_GAPS = 10_000;

/**
 * Cross-instance cache invalidation through the change_log table. Writers append (topic, key) in their own
 * transaction; every instance polls for rows after the highest sequence number it has seen, so a change made
 * on one instance (or by the CLI) reaches the caches of all instances sharing the database within one poll
 * interval. Polling a table, unlike LISTEN/NOTIFY, loses nothing while a connection is down.
 *
 * Sequence numbers are handed out at insert but become visible at commit, so they can appear out of order: a
 * long writer transaction holding seq 7 commits after seq 8 was seen. A missing number below the highest seen
 * is a gap, re-read on every poll until its row appears or GAP_WAIT_MS passes (a rolled-back insert leaves a
 * gap for good). Neither a time window (`at` is the transaction's start) nor "seq > last" alone would see
 * that row. Writer transactions must stay far shorter than GAP_WAIT_MS: they are a few statements, each under
 * DATABASE_STATEMENT_TIMEOUT_MS, and idle_in_transaction_session_timeout ends an abandoned one.
 */
@Injectable()
export class ChangeFeed implements OnModuleInit, OnApplicationShutdown, EntitySubscriberInterface {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly subscriptions = new Map<string, Subscription>();
  /** Highest sequence number read; undefined until the first successful read. */
  private cursor: number | undefined;
  /** Missing sequence numbers below the cursor, with when each was first noticed. */
  private readonly gaps = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private lastSuccess: number;
  private failing = false;
  /** The poll in flight, and the one queued behind it for callers that came while it ran. */
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private lastPrune = 0;
  /** Changes published inside a transaction, applied locally only once it commits. */
  private readonly pending = new WeakMap<QueryRunner, { topic: string; key: string; seq: number }[]>();
  /**
   * Sequence numbers of this instance's own committed changes, already applied here: their rows are skipped when
   * the poll reads them, so a change does not drop this instance's caches a second time (which would send the
   * next requests to the database, and fail them while it is down) after they were filled again.
   */
  private readonly appliedHere = new Set<number>();

  constructor(
    private readonly ds: DataSource,
    private readonly database: DatabaseConfig,
    private readonly clock: Clock,
    @Optional() private readonly migrations?: MigrationRunner,
  ) {
    this.lastSuccess = clock.now();
    // TypeORM calls afterTransactionCommit/afterTransactionRollback on registered subscribers.
    ds.subscribers.push(this);
  }

  async onModuleInit(): Promise<void> {
    // Start reading at the end of the log before anything is served, so nothing cached needs dropping later.
    // The migrations (which create change_log on a fresh database) run concurrently in this module's init: wait
    // for them. If the read fails (no database yet), the first poll starts there and drops whatever was cached.
    await this.migrations?.applyOnce();
    try {
      const [{ max }] = await this.ds.query<{ max: string }[]>('SELECT coalesce(max(seq), 0)::text AS max FROM change_log');
      this.cursor = Number(max);
      this.lastSuccess = this.clock.now();
    } catch {
      this.cursor = undefined;
    }
    this.timer = setInterval(() => void this.poll(), this.database.changePollIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Milliseconds since the last successful poll (for metrics and readiness). */
  lagMs(): number {
    return this.clock.now() - this.lastSuccess;
  }

  subscribe<K>(topic: ChangeTopic<K>, listener: Listener<K>): void {
    let sub = this.subscriptions.get(topic.name);
    if (!sub) this.subscriptions.set(topic.name, (sub = { topic: topic, listeners: new Set() }));
    sub.listeners.add(listener as Listener<unknown>);
  }

  /**
   * Records a change inside the caller's transaction. This instance applies it as soon as the transaction
   * commits (at once outside a transaction): applied earlier, a concurrent reader could re-cache the old row
   * or find the new one missing.
   */
  async publish<K>(manager: EntityManager, topic: ChangeTopic<K>, key: K): Promise<void> {
    const raw = topic.encode(key);
    const [row] = await manager.query<{ seq: string }[]>('INSERT INTO change_log (topic, key) VALUES ($1, $2) RETURNING seq::text AS seq', [
      topic.name,
      raw,
    ]);
    const change = { topic: topic.name, key: raw, seq: Number(row.seq) };
    const qr = manager.queryRunner;
    if (qr?.isTransactionActive) {
      const list = this.pending.get(qr) ?? [];
      list.push(change);
      this.pending.set(qr, list);
    } else {
      this.applyOwn(change);
    }
  }

  private applyOwn(change: { topic: string; key: string; seq: number }): void {
    this.appliedHere.add(change.seq);
    this.emit(change.topic, change.key);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const qr = event.queryRunner;
    if (qr.isTransactionActive) return; // a savepoint was released; the outer transaction is still open
    const list = this.pending.get(qr);
    this.pending.delete(qr);
    for (const change of list ?? []) this.applyOwn(change);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.pending.delete(event.queryRunner);
  }

  /** Applies a change (a raw change_log key, or ALL_KEYS) to this instance's listeners only. */
  emit(topic: string, raw: string | typeof ALL_KEYS): void {
    const sub = this.subscriptions.get(topic);
    if (!sub) return;
    const key = raw === ALL_KEYS ? ALL_KEYS : sub.topic.decode(raw);
    if (key === undefined) return;
    for (const l of sub.listeners) l(key);
  }

  /**
   * One poll; exposed so tests and shutdown paths can force it. When it resolves, every change committed before
   * the call was read: a poll already in flight may have read before that, so the caller waits for one more.
   */
  poll(): Promise<void> {
    if (this.running) {
      this.queued ??= this.running.then(() => {
        this.queued = undefined;
        return this.poll();
      });
      return this.queued;
    }
    this.running = this.pollOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pollOnce(): Promise<void> {
    try {
      if (this.cursor === undefined) {
        const [{ max }] = await this.ds.query<{ max: string }[]>('SELECT coalesce(max(seq), 0)::text AS max FROM change_log');
        // Changes before this instance started reading cannot be told apart: drop whatever is cached.
        for (const topic of this.subscriptions.keys()) this.emit(topic, ALL_KEYS);
        this.cursor = Number(max);
      } else {
        await this.readChanges(this.cursor);
      }
      this.lastSuccess = this.clock.now();
      if (this.failing) this.logger.log('change feed reachable again');
      this.failing = false;
      await this.prune();
    } catch (err) {
      if (!this.failing) this.logger.warn(`change feed poll failed: ${(err as Error).message}`);
      this.failing = true;
    }
  }

  private async readChanges(after: number): Promise<void> {
    const now = this.clock.now();
    for (const [seq, since] of this.gaps) if (now - since > GAP_WAIT_MS) this.gaps.delete(seq);
    const rows = await this.ds.query<{ seq: string; topic: string; key: string }[]>(
      `SELECT seq::text AS seq, topic, key FROM change_log WHERE seq > $1 OR seq = ANY($2::bigint[]) ORDER BY seq`,
      [after, [...this.gaps.keys()]],
    );
    if (now - this.lastSuccess > OUTAGE_FLUSH_MS) {
      this.logger.warn('change feed was unreachable longer than the change log is kept; flushing caches');
      for (const topic of this.subscriptions.keys()) this.emit(topic, ALL_KEYS);
    }
    let cursor = after;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq > cursor) {
        for (let missing = cursor + 1; missing < seq && this.gaps.size <= MAX_GAPS; missing++) this.gaps.set(missing, now);
        cursor = seq;
      } else if (!this.gaps.delete(seq)) {
        continue;
      }
      if (this.appliedHere.delete(seq)) continue;
      this.emit(r.topic, r.key);
    }
    this.cursor = cursor;
    // An own change the cursor passed without reading it (pruned during an outage) will never be read.
    for (const seq of this.appliedHere) if (seq <= cursor && !this.gaps.has(seq)) this.appliedHere.delete(seq);
    if (this.gaps.size > MAX_GAPS) {
      this.logger.warn('change feed sequence jumped; flushing caches');
      this.gaps.clear();
      for (const topic of this.subscriptions.keys()) this.emit(topic, ALL_KEYS);
    }
  }

  private async prune(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastPrune < 600_000) return;
    this.lastPrune = now;
    await this.ds.query(`DELETE FROM change_log WHERE at < now() - make_interval(secs => $1)`, [RETENTION_MS / 1000]);
  }
}
