import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clients (hashed secrets only), signing keys (private parts encrypted at rest), revoked token ids,
 * tombstones of deleted clients, the admin audit trail, and the change log that instances poll to
 * invalidate their caches.
 */
export class InitialSchema1764140000000 implements MigrationInterface {
  name = 'InitialSchema1764140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE oauth_clients (
        client_id                   text PRIMARY KEY,
        client_name                 text,
        secret_hash                 text NOT NULL,
        previous_secret_hash        text,
        previous_secret_expires_at  timestamptz,
        scopes                      text[] NOT NULL DEFAULT '{}',
        grant_types                 text[] NOT NULL DEFAULT '{client_credentials}',
        token_endpoint_auth_method  text NOT NULL DEFAULT 'client_secret_basic'
          CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post')),
        access_token_ttl            integer CHECK (access_token_ttl IS NULL OR access_token_ttl > 0),
        audiences                   text[] NOT NULL DEFAULT '{}',
        introspect_any              boolean NOT NULL DEFAULT false,
        enabled                     boolean NOT NULL DEFAULT true,
        created_at                  timestamptz NOT NULL DEFAULT now(),
        updated_at                  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE oauth_deleted_clients (
        client_id     text PRIMARY KEY,
        deleted_at    timestamptz NOT NULL DEFAULT now(),
        blocked_until timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE signing_keys (
        kid            text PRIMARY KEY,
        alg            text NOT NULL,
        status         text NOT NULL CHECK (status IN ('next', 'active', 'retired')),
        public_jwk     jsonb NOT NULL,
        private_key    text NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        activated_at   timestamptz,
        retired_at     timestamptz,
        expires_at     timestamptz
      )`);
    // One active and at most one next key, whatever the number of instances racing.
    await q.query(`CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((1)) WHERE status = 'active'`);
    await q.query(`CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys ((1)) WHERE status = 'next'`);
    await q.query(`
      CREATE TABLE revoked_tokens (
        jti         text PRIMARY KEY,
        client_id   text NOT NULL,
        revoked_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at)`);
    await q.query(`
      CREATE TABLE audit_log (
        id         bigserial PRIMARY KEY,
        at         timestamptz NOT NULL DEFAULT now(),
        actor      text NOT NULL,
        action     text NOT NULL,
        client_id  text,
        details    jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`
      CREATE TABLE change_log (
        seq    bigserial PRIMARY KEY,
        topic  text NOT NULL,
        key    text NOT NULL,
        at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX change_log_at ON change_log (at)`);
    await q.query(`CREATE INDEX audit_log_client ON audit_log (client_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['change_log', 'audit_log', 'revoked_tokens', 'signing_keys', 'oauth_deleted_clients', 'oauth_clients']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
