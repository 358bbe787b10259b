import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clients as code and dynamic registration: `managed_by` labels the clients a desired-state file owns (only those
 * are pruned), and `oauth_client_registrations` keeps the SHA-256 of each registered client's registration access
 * token (RFC 7592 §1), gone with its client.
 */
export class ClientsAsCode17973000000000 implements MigrationInterface {
  name = 'ClientsAsCode17973000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_clients ADD COLUMN managed_by text');
    await q.query('CREATE INDEX oauth_clients_managed_by ON oauth_clients (managed_by) WHERE managed_by IS NOT NULL');
    await q.query(`CREATE TABLE oauth_client_registrations (
      client_id text PRIMARY KEY REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
      access_token_hash text NOT NULL UNIQUE,
      issued_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE oauth_client_registrations');
    await q.query('ALTER TABLE oauth_clients DROP COLUMN managed_by');
  }
}
