import type { DataSource, EntityManager } from 'typeorm';

/** pg_advisory_lock keys; one per serialised start-up step. */
export const LOCK_MIGRATIONS = 7_401_001;
export const LOCK_BOOTSTRAP = 7_401_002;
/** pg_advisory_xact_lock namespace of the names that client ids and trusted issuers share (see lockName). */
export const LOCK_CLIENT_OR_ISSUER_NAME = 7_401_003;

/**
 * Holds a lock on one name, within a namespace, until the transaction of `m` ends. Two transactions that each
 * check that a name is free (in a table the other one writes) and then take it, take turns: the second checks
 * after the first has committed, and sees its row. No row exists yet to lock, hence an advisory lock; names are
 * hashed to 32 bits, so two names rarely share a lock, which only costs a wait.
 */
export async function lockName(m: EntityManager, namespace: number, name: string): Promise<void> {
  await m.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [namespace, name]);
}

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
