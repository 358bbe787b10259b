import type { EntityManager } from 'typeorm';
import type { DeletedClientEntity } from './deleted-client.entity';

/*
 * The tombstones of deleted clients (DeletedClientEntity): a deleted client's id stays reserved until every token
 * issued to it has expired, since tokens name the client only by id and a new client under the same id must not
 * inherit them.
 */

/**
 * Reserves a deleted client's id until `tomb.blockedUntil`. Deleting the same id again (after it was reused) never
 * shortens an earlier reservation.
 */
export async function writeTombstone(m: EntityManager, tomb: DeletedClientEntity): Promise<void> {
  await m.query(
    `INSERT INTO oauth_deleted_clients (client_id, deleted_at, blocked_until) VALUES ($1, $2, $3)
     ON CONFLICT (client_id) DO UPDATE
       SET deleted_at = EXCLUDED.deleted_at, blocked_until = GREATEST(oauth_deleted_clients.blocked_until, EXCLUDED.blocked_until)`,
    [tomb.clientId, tomb.deletedAt, tomb.blockedUntil],
  );
}

/**
 * Removes the id's tombstone, if any, and returns until when it reserved the id. Called after inserting the new
 * client row: that insert waits for a concurrent delete of the same id to commit, so the tombstone the delete
 * writes is seen here. Removing an expired tombstone is its clean-up.
 */
export async function takeTombstone(m: EntityManager, clientId: string): Promise<Date | undefined> {
  const rows: { blocked_until: Date }[] = await m.query(
    `WITH gone AS (DELETE FROM oauth_deleted_clients WHERE client_id = $1 RETURNING blocked_until) SELECT blocked_until FROM gone`,
    [clientId],
  );
  return rows[0]?.blocked_until;
}
