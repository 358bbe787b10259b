import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clients as code and dynamic registration: `managed_by` labels the clients a desired-state file owns (only those
 * are pruned), and `oauth_client_registrations` keeps the SHA-256 of each registered client's registration access
 * token (RFC 7592 §1) and the software statement it was registered with (RFC 7591 §3.2.1 returns it). No foreign
 * key: a client deleted by other means leaves a row that the next use of its token finds orphaned and removes.
 */
export class ClientsAsCode17973000000000 implements MigrationInterface {
  name = 'ClientsAsCode17973000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_clients ADD COLUMN managed_by text');
    await q.query('CREATE INDEX oauth_clients_managed_by ON oauth_clients (managed_by) WHERE managed_by IS NOT NULL');
    await q.query(`CREATE TABLE oauth_client_registrations (
      client_id text PRIMARY KEY,
      access_token_hash text NOT NULL UNIQUE,
      software_statement text,
      issued_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE oauth_client_registrations');
    await q.query('ALTER TABLE oauth_clients DROP COLUMN managed_by');
  }
}
