import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOCK_MIGRATIONS, withAdvisoryLock } from './advisory-lock';

/** Runs pending migrations on start, serialised across instances by an advisory lock. */
@Injectable()
export class MigrationRunner implements OnModuleInit {
  private readonly logger = new Logger('Migrations');
  /** True once this process has brought the schema up to date (readiness). */
  applied = false;

  constructor(private readonly ds: DataSource) {}

  async onModuleInit(): Promise<void> {
    const ran = await runMigrations(this.ds);
    if (ran.length) this.logger.log(`applied ${ran.join(', ')}`);
    this.applied = true;
  }
}

export async function runMigrations(ds: DataSource): Promise<string[]> {
  return withAdvisoryLock(ds, LOCK_MIGRATIONS, async () => {
    const done = await ds.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  });
}
