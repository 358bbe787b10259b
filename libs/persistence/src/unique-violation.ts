import { QueryFailedError } from 'typeorm';

/** PostgreSQL SQLSTATE unique_violation. */
const UNIQUE_VIOLATION = '23505';

/** Whether a write failed on a unique constraint (an id taken by a concurrent or earlier insert). */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string }).code === UNIQUE_VIOLATION;
}
