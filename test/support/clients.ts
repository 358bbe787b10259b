import { SecretHasher, type TokenEndpointAuthMethod } from '@app/clients';
import { parseConfig } from '@app/config';
import type { TestDatabase } from './database';

export interface InsertClientOptions {
  clientId: string;
  secret: string;
  scopes?: string[];
  /** Default: {client_credentials}. */
  grantTypes?: string[];
  /** Default: client_secret_basic. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  accessTokenTtl?: number | null;
  audiences?: string[];
  enabled?: boolean;
  /** scrypt cost of the stored hash (log2 N); default 12, the cost startTestApp configures. */
  hashLogN?: number;
}

/**
 * Registers a client by writing its oauth_clients row directly (for tests that run before, or without, the
 * admin API), with a hash made by the production SecretHasher. Returns the stored secret_hash.
 */
export async function insertClient(db: TestDatabase, opts: InsertClientOptions): Promise<string> {
  const hasher = new SecretHasher(parseConfig({ SECRET_HASH_LOG_N: String(opts.hashLogN ?? 12) }));
  const hash = await hasher.hash(opts.secret);
  await db.query(
    `INSERT INTO oauth_clients
       (client_id, client_name, secret_hash, scopes, grant_types, token_endpoint_auth_method, access_token_ttl, audiences, enabled)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      opts.clientId,
      `test client ${opts.clientId}`,
      hash,
      opts.scopes ?? [],
      opts.grantTypes ?? ['client_credentials'],
      opts.tokenEndpointAuthMethod ?? 'client_secret_basic',
      opts.accessTokenTtl ?? null,
      opts.audiences ?? [],
      opts.enabled ?? true,
    ],
  );
  return hash;
}

/** The stored row of a client, as the database holds it. */
export async function clientRow(db: TestDatabase, clientId: string): Promise<Record<string, unknown> | undefined> {
  const rows = await db.query('SELECT * FROM oauth_clients WHERE client_id = $1', [clientId]);
  return rows[0];
}
