/** A pagination cursor that this server did not hand out. */
export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not a value returned as next_cursor');
    this.name = 'InvalidCursorError';
  }
}

/** One page of a keyset-paginated list (admin API and CLI). */
export interface Page<T> {
  items: T[];
  /** Opaque; null on the last page. */
  next_cursor: string | null;
}

/**
 * Keyset pagination cursors: the sort key of the last item of a page, wrapped so that callers treat it as
 * opaque and a cursor of one list is not mistaken for another's.
 */
export function encodeCursor(kind: string, key: string): string {
  return Buffer.from(JSON.stringify([kind, key]), 'utf8').toString('base64url');
}

export function decodeCursor(kind: string, cursor: string): string {
  try {
    if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw new InvalidCursorError();
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // PostgreSQL text cannot hold NUL: such a key was never handed out.
    if (!Array.isArray(parsed) || parsed.length !== 2 || parsed[0] !== kind || typeof parsed[1] !== 'string' || parsed[1].includes('\0')) {
      throw new InvalidCursorError();
    }
    return parsed[1];
  } catch {
    throw new InvalidCursorError();
  }
}
