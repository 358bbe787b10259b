import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

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

/** How one list is keyset-paginated: on a unique column, in one direction. */
export interface KeysetOrder<E> {
  /** Names the list inside its cursors, so a cursor of one list is refused by another. */
  kind: string;
  /** The unique sort column as the query builder names it, e.g. `c.clientId`. */
  column: string;
  direction: 'ASC' | 'DESC';
  /** The sort key of a row, as the cursor carries it. */
  keyOf(row: E): string;
  /** Refuses a cursor key that cannot be a value of the column (say, not a bigint), before the query. */
  validKey?(key: string): boolean;
}

/**
 * One page of `query` after `cursor` (the first page without one): rows past the cursor's key in the list's
 * order, at most `limit`, and a cursor for the next page while more rows follow.
 */
export async function keysetPage<E extends ObjectLiteral, V>(
  query: SelectQueryBuilder<E>,
  order: KeysetOrder<E>,
  { limit, cursor }: { limit: number; cursor?: string },
  view: (row: E) => V,
): Promise<Page<V>> {
  const after = cursor === undefined ? undefined : decodeCursor(order.kind, cursor);
  if (after !== undefined && order.validKey && !order.validKey(after)) throw new InvalidCursorError();
  query.orderBy(order.column, order.direction).limit(limit + 1);
  // andWhere: a caller's own filter on `query` (e.g. the audit log's) stays in force.
  if (after !== undefined) query.andWhere(`${order.column} ${order.direction === 'ASC' ? '>' : '<'} :after`, { after });
  const rows = await query.getMany();
  const page = rows.slice(0, limit);
  return {
    items: page.map(view),
    next_cursor: rows.length > limit ? encodeCursor(order.kind, order.keyOf(page[page.length - 1])) : null,
  };
}
