/** PostgreSQL SQLSTATE classes and socket errors that mean "the database is not reachable right now". */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const SQLSTATE_UNAVAILABLE = /^(08...|57P0[1-4]|53300|57014|40001|40P01)$/;
const MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error|the database system is (starting up|shutting down)|Query read timeout|Cannot use a pool after calling end/i;

/**
 * True for faults of the infrastructure (database down, overloaded or timing out), which the HTTP layer
 * answers with 503 and Retry-After instead of 500.
 */
export function isInfrastructureError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const x = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof x.code === 'string' && (NETWORK_CODES.has(x.code) || SQLSTATE_UNAVAILABLE.test(x.code))) return true;
    if (typeof x.message === 'string' && MESSAGES.test(x.message)) return true;
    e = x.driverError ?? x.cause;
  }
  return false;
}
