import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * client_secret_jwt rotation grace: the secret before the last rotation, sealed under the key-encryption key like
 * the current one (an HMAC needs the secret itself), accepted until previous_secret_expires_at.
 */
export class PreviousSealedSecret1796110000000 implements MigrationInterface {
  name = 'PreviousSealedSecret1796110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_clients ADD COLUMN previous_sealed_secret text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE oauth_clients DROP COLUMN previous_sealed_secret');
  }
}
