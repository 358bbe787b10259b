import type { EntityManager } from 'typeorm';

/**
 * pg_advisory_xact_lock key serialising every change of the signing-key set (rotation, the start-up check,
 * re-encryption) across instances and the CLI. Outside the 7_401_00x range of libs/persistence's start-up locks.
 */
export const LOCK_KEYS = 7_401_101;

/** Waits for the key lock, held until the caller's transaction ends. */
export async function lockKeys(m: EntityManager): Promise<void> {
  await m.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEYS]);
}

/** Takes the key lock if it is free; false when another instance holds it. */
export async function tryLockKeys(m: EntityManager): Promise<boolean> {
  const rows: { ok: boolean }[] = await m.query('SELECT pg_try_advisory_xact_lock($1) AS ok', [LOCK_KEYS]);
  return rows[0].ok;
}

/**
 * The database's clock, read after the lock was taken: every instance decides by the same clock, whatever
 * the drift between application hosts.
 */
export async function dbNow(m: EntityManager): Promise<Date> {
  const rows: { now: Date }[] = await m.query('SELECT clock_timestamp() AS now');
  return rows[0].now;
}
