import type { DataSource } from 'typeorm';

/** pg_advisory_lock keys; one per serialised start-up step. */
export const LOCK_MIGRATIONS = 7_401_001;
export const LOCK_BOOTSTRAP = 7_401_002;

/**
 * Runs fn while holding a session-level PostgreSQL advisory lock, so that instances starting together on
 * one database take turns (migrations, first signing key, seeded clients).
 */
export async function withAdvisoryLock<T>(ds: DataSource, key: number, fn: () => Promise<T>): Promise<T> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query('SELECT pg_advisory_lock($1)', [key]);
    try {
      return await fn();
    } finally {
      await qr.query('SELECT pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await qr.release();
  }
}
