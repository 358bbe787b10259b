import { ClientsService, SecretHasher } from '@app/clients';
import { Clock } from '@app/config';
import { KeysService } from '@app/keys';
import { ChangeFeed } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { AppMetrics } from './app-metrics';

interface PgPoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * Series read from the services at scrape time (nothing is counted twice on the hot path): client cache,
 * hashing queue, change-feed lag, database pool, signing-key age.
 */
@Injectable()
export class RuntimeGauges {
  constructor(
    metrics: AppMetrics,
    clients: ClientsService,
    hasher: SecretHasher,
    feed: ChangeFeed,
    keys: KeysService,
    ds: DataSource,
    clock: Clock,
  ) {
    const registers = [metrics.registry];
    new Counter({
      name: 'auth_client_cache_hits_total',
      help: 'Client authentications answered from this instance’s cache (no database, no hashing)',
      registers,
      collect() {
        this.reset();
        this.inc(clients.cacheStats().hits);
      },
    });
    new Counter({
      name: 'auth_client_cache_misses_total',
      help: 'Client authentications that needed the database and a secret hash',
      registers,
      collect() {
        this.reset();
        this.inc(clients.cacheStats().misses);
      },
    });
    new Gauge({
      name: 'auth_client_cache_size',
      help: 'Clients held in this instance’s cache',
      registers,
      collect() {
        this.set(clients.cacheStats().size);
      },
    });
    new Gauge({
      name: 'auth_secret_hash_queue_depth',
      help: 'Secret hashing tasks waiting for one of the limited scrypt slots',
      registers,
      collect() {
        this.set(hasher.queueDepth());
      },
    });
    new Gauge({
      name: 'auth_change_feed_lag_seconds',
      help: 'Seconds since this instance last read the change feed successfully',
      registers,
      collect() {
        this.set(feed.lagMs() / 1000);
      },
    });
    const pool = (): PgPoolStats | undefined => (ds.driver as unknown as { master?: PgPoolStats }).master;
    new Gauge({
      name: 'auth_db_pool_connections_in_use',
      help: 'Database connections checked out of the pool',
      registers,
      collect() {
        const p = pool();
        this.set(p ? p.totalCount - p.idleCount : 0);
      },
    });
    new Gauge({
      name: 'auth_db_pool_requests_waiting',
      help: 'Queries waiting for a free pool connection',
      registers,
      collect() {
        this.set(pool()?.waitingCount ?? 0);
      },
    });
    new Gauge({
      name: 'auth_signing_key_age_seconds',
      help: 'Seconds since the active signing key started signing',
      registers,
      collect() {
        try {
          this.set((clock.now() - keys.activeSigner().activatedAt.getTime()) / 1000);
        } catch {
          this.reset();
        }
      },
    });
  }
}
