import { KeysService } from '@app/keys';
import { MigrationRunner } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/** How long the readiness probe waits for `SELECT 1` before it reports the database down. */
const DATABASE_PROBE_MS = 1000;

/**
 * What the readiness probe looks at. Ready means: this process applied the migrations, holds a signing key,
 * and is not shutting down. The database's state is reported but does not decide readiness: cached clients
 * still get tokens while it is away, and draining every instance at once would turn a database blip into a
 * full outage.
 */
@Injectable()
export class Readiness {
  private draining = false;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly migrations: MigrationRunner,
    private readonly keys: KeysService,
    private readonly ds: DataSource,
  ) {}

  /** First step of a graceful shutdown: the probe answers 503 so load balancers stop sending traffic. */
  markDraining(): void {
    this.draining = true;
  }

  accepting(): HealthIndicatorResult {
    const i = this.indicators.check('accepting');
    return this.draining ? i.down({ reason: 'shutting down' }) : i.up();
  }

  migrationsApplied(): HealthIndicatorResult {
    const i = this.indicators.check('migrations');
    return this.migrations.applied ? i.up() : i.down();
  }

  signingKey(): HealthIndicatorResult {
    const i = this.indicators.check('signingKey');
    try {
      this.keys.activeSigner();
      return i.up();
    } catch {
      return i.down();
    }
  }

  /** `{database: {status: 'up' | 'down'}}`: reported in the body, never a reason to be unready. */
  async database(): Promise<{ database: { status: 'up' | 'down' } }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), DATABASE_PROBE_MS);
    });
    try {
      await Promise.race([this.ds.query('SELECT 1'), timeout]);
      return { database: { status: 'up' } };
    } catch {
      return { database: { status: 'down' } };
    } finally {
      clearTimeout(timer);
    }
  }
}
