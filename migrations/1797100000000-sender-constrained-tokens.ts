import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sender-constrained tokens: DPoP (RFC 9449) and mutual TLS (RFC 8705). Clients gain the two binding switches,
 * the mTLS client authentication methods and the certificate subject they expect; used_dpop_proofs holds the
 * proof ids already accepted (RFC 9449 §11.1), each only as long as its proof could still be accepted.
 */
export class SenderConstrainedTokens1797100000000 implements MigrationInterface {
  name = 'SenderConstrainedTokens1797100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_clients DROP CONSTRAINT oauth_clients_token_endpoint_auth_method_check');
    await q.query(`ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_token_endpoint_auth_method_check
      CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt',
        'tls_client_auth', 'self_signed_tls_client_auth'))`);
    await q.query(`ALTER TABLE oauth_clients
      ADD COLUMN dpop_bound_access_tokens boolean NOT NULL DEFAULT false,
      ADD COLUMN tls_client_certificate_bound_access_tokens boolean NOT NULL DEFAULT false,
      ADD COLUMN tls_client_auth_subject_dn text,
      ADD COLUMN tls_client_auth_san_dns text,
      ADD COLUMN tls_client_auth_san_uri text,
      ADD COLUMN tls_client_auth_san_ip text,
      ADD COLUMN tls_client_auth_san_email text`);
    await q.query(`
      CREATE TABLE used_dpop_proofs (
        jkt        text NOT NULL,
        jti        text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (jkt, jti)
      )`);
    await q.query('CREATE INDEX used_dpop_proofs_expires_at ON used_dpop_proofs (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE used_dpop_proofs');
    await q.query(`DELETE FROM oauth_clients WHERE token_endpoint_auth_method IN ('tls_client_auth', 'self_signed_tls_client_auth')`);
    await q.query(`ALTER TABLE oauth_clients
      DROP COLUMN dpop_bound_access_tokens, DROP COLUMN tls_client_certificate_bound_access_tokens,
      DROP COLUMN tls_client_auth_subject_dn, DROP COLUMN tls_client_auth_san_dns, DROP COLUMN tls_client_auth_san_uri,
      DROP COLUMN tls_client_auth_san_ip, DROP COLUMN tls_client_auth_san_email`);
    await q.query('ALTER TABLE oauth_clients DROP CONSTRAINT oauth_clients_token_endpoint_auth_method_check');
    await q.query(`ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_token_endpoint_auth_method_check
      CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt'))`);
  }
}
