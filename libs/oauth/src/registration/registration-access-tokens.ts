import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';

export interface Registration {
  clientId: string;
  softwareStatement: string | null;
}

const hash = (token: string): Buffer => createHash('sha256').update(token).digest();

/**
 * RFC 7592 registration access tokens: 256 random bits, shown to the registrant once per issue, stored only as
 * their SHA-256 (a token of that entropy needs no slow hash), replaced on every update.
 */
@Injectable()
export class RegistrationAccessTokens {
  constructor(private readonly ds: DataSource) {}

  /** Issues (or replaces) the client's token; the previous one stops working. */
  async issue(clientId: string, softwareStatement: string | null): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.ds.query(
      `INSERT INTO oauth_client_registrations (client_id, access_token_hash, software_statement) VALUES ($1, $2, $3)
       ON CONFLICT (client_id) DO UPDATE SET access_token_hash = EXCLUDED.access_token_hash,
         software_statement = EXCLUDED.software_statement, issued_at = now()`,
      [clientId, hash(token).toString('hex'), softwareStatement],
    );
    return token;
  }

  /** The registration the token grants access to, when it is the client's current token. */
  async check(clientId: string, token: string): Promise<Registration | undefined> {
    if (clientId.includes('\u0000')) return undefined;
    const rows: { access_token_hash: string; software_statement: string | null }[] = await this.ds.query(
      'SELECT access_token_hash, software_statement FROM oauth_client_registrations WHERE client_id = $1',
      [clientId],
    );
    if (!rows.length || !timingSafeEqual(Buffer.from(rows[0].access_token_hash, 'hex'), hash(token))) return undefined;
    return { clientId, softwareStatement: rows[0].software_statement };
  }

  async remove(clientId: string): Promise<void> {
    await this.ds.query('DELETE FROM oauth_client_registrations WHERE client_id = $1', [clientId]);
  }
}
