import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Static claims per client, the token exchange policy (RFC 8693) and the token hook opt-in; the GIN index finds the client whose
 * federated credential names a JWT bearer assertion's issuer and subject (RFC 7523 §2.1) without a table scan.
 */
export class TokenClaims1797200000000 implements MigrationInterface {
  name = 'TokenClaims1797200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE oauth_clients ADD COLUMN token_claims jsonb, ADD COLUMN token_exchange jsonb,
       ADD COLUMN token_hook boolean NOT NULL DEFAULT false`);
    await q.query('CREATE INDEX oauth_clients_federated_credentials_idx ON oauth_clients USING gin (federated_credentials jsonb_path_ops)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX oauth_clients_federated_credentials_idx');
    await q.query('ALTER TABLE oauth_clients DROP COLUMN token_hook, DROP COLUMN token_exchange, DROP COLUMN token_claims');
  }
}
