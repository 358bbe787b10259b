import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-client token cut-off: tokens whose `iat` is at or before this instant (whole seconds) are inactive,
 * whatever the client's later state. Set by disabling a client, by a secret rotation with revoke_tokens, and
 * by POST /admin/clients/{id}/revoke-tokens; it only ever moves forward.
 */
export class TokenCutoff1796046482435 implements MigrationInterface {
  name = 'TokenCutoff1796046482435';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_clients ADD COLUMN tokens_revoked_before timestamptz');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_clients DROP COLUMN tokens_revoked_before');
  }
}
