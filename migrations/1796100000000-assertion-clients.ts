import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clients without shared secrets: private_key_jwt and client_secret_jwt (RFC 7523 §2.2), their keys
 * by value (`jwks`) or by reference (`jwks_uri`, RFC 7591 §2), federated credentials naming trusted issuers, the
 * client_secret_jwt secret sealed under the key-encryption key, and the assertion ids already used (RFC 7523
 * §3 item 7), kept until the assertion would have expired.
 */
export class AssertionClients1796100000000 implements MigrationInterface {
  name = 'AssertionClients1796100000000';

  // jwks xor jwks_uri (RFC 7591 §2) is the admin service's rule (authMethodProblems), checked on the whole row.
  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_clients DROP CONSTRAINT oauth_clients_token_endpoint_auth_method_check');
    await q.query(`ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_token_endpoint_auth_method_check
      CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt'))`);
    // A private_key_jwt client has no secret at all.
    await q.query('ALTER TABLE oauth_clients ALTER COLUMN secret_hash DROP NOT NULL');
    await q.query(`ALTER TABLE oauth_clients
      ADD COLUMN jwks jsonb,
      ADD COLUMN jwks_uri text,
      ADD COLUMN federated_credentials jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN sealed_secret text`);
    await q.query(`
      CREATE TABLE trusted_issuers (
        issuer                 text PRIMARY KEY,
        jwks_uri               text,
        signing_alg_values     text[] NOT NULL,
        max_assertion_lifetime integer NOT NULL DEFAULT 3600 CHECK (max_assertion_lifetime > 0),
        replay_protection      boolean NOT NULL DEFAULT false,
        allow_private_network  boolean NOT NULL DEFAULT false,
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE used_assertion_ids (
        issuer     text NOT NULL,
        jti        text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (issuer, jti)
      )`);
    await q.query('CREATE INDEX used_assertion_ids_expires_at ON used_assertion_ids (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE used_assertion_ids');
    await q.query('DROP TABLE trusted_issuers');
    await q.query(
      `DELETE FROM oauth_clients WHERE token_endpoint_auth_method IN ('private_key_jwt', 'client_secret_jwt') OR secret_hash IS NULL`,
    );
    await q.query(`ALTER TABLE oauth_clients
      DROP COLUMN jwks, DROP COLUMN jwks_uri, DROP COLUMN federated_credentials, DROP COLUMN sealed_secret`);
    await q.query('ALTER TABLE oauth_clients ALTER COLUMN secret_hash SET NOT NULL');
    await q.query('ALTER TABLE oauth_clients DROP CONSTRAINT oauth_clients_token_endpoint_auth_method_check');
    await q.query(`ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_token_endpoint_auth_method_check
      CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post'))`);
  }
}
