import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOCK_MIGRATIONS, withAdvisoryLock } from './advisory-lock';

/** Runs pending migrations on start, serialised across instances by an advisory lock. */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger('Migrations');
  /** True once this process has brought the schema up to date (readiness). */
  applied = false;
  private run: Promise<void> | undefined;

  constructor(private readonly ds: DataSource) {}

  onModuleInit(): Promise<void> {
    return this.applyOnce();
  }

  /**
   * Brings the schema up to date once per process; every caller waits for the same run. Nest starts the
   * onModuleInit hooks of one module concurrently, so a provider that reads the schema at start (the change feed)
   * waits here instead of racing the migrations.
   */
  applyOnce(): Promise<void> {
    this.run ??= runMigrations(this.ds).then((ran) => {
      if (ran.length) this.logger.log(`applied ${ran.join(', ')}`);
      this.applied = true;
    });
    return this.run;
  }
}

export async function runMigrations(ds: DataSource): Promise<string[]> {
  return withAdvisoryLock(ds, LOCK_MIGRATIONS, async () => {
    const done = await ds.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  });
}
