import { SecretHasher, type TokenEndpointAuthMethod } from '@app/clients';
import { parseConfig } from '@app/config';
import { ChangeFeed } from '@app/persistence';
import type { TestDatabase } from './database';
import type { TestApp } from './test-app';

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
 * admin API), with a slow hash made by the production SecretHasher (a supplied secret), and its change-feed row,
 * as every writer of clients must: an instance knows the ids it was told of. Given a running in-process app, the
 * app reads the feed before this returns. Returns the stored secret_hash.
 */
export async function insertClient(target: TestDatabase | TestApp, opts: InsertClientOptions): Promise<string> {
  const db = 'db' in target ? target.db : target;
  const config = parseConfig({ SECRET_HASH_LOG_N: String(opts.hashLogN ?? 12) });
  const hasher = new SecretHasher(config.secrets, config.throttle);
  const hash = await hasher.hash(opts.secret);
  await db.query(
    `WITH announced AS (INSERT INTO change_log (topic, key) VALUES ('client', $1))
     INSERT INTO oauth_clients
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
  if ('app' in target) await target.app.get(ChangeFeed).poll();
  return hash;
}

/** The stored row of a client, as the database holds it. */
export async function clientRow(db: TestDatabase, clientId: string): Promise<Record<string, unknown> | undefined> {
  const rows = await db.query('SELECT * FROM oauth_clients WHERE client_id = $1', [clientId]);
  return rows[0];
}

/**
 * Changes a client's row directly, with its change-feed row as every writer of clients must, and lets the running
 * in-process app read the feed before returning. `set` is the SET clause; `$1` is the client id, `$2`… are `params`.
 */
export async function updateClientRow(t: TestApp, clientId: string, set: string, params: unknown[] = []): Promise<void> {
  await t.db.query(
    `WITH announced AS (INSERT INTO change_log (topic, key) VALUES ('client', $1)) UPDATE oauth_clients SET ${set} WHERE client_id = $1`,
    [clientId, ...params],
  );
  await t.app.get(ChangeFeed).poll();
}

/**
 * What the admin API and the CLI show of a client registered with the defaults (client_secret_basic, the
 * client_credentials grant, no name, TTL or audience, enabled); `fields` gives its id and scope and whatever else
 * differs, matchers included.
 */
export function expectedClientView(fields: { client_id: string; scope: string } & Record<string, unknown>): Record<string, unknown> {
  return {
    client_name: null,
    grant_types: ['client_credentials'],
    token_endpoint_auth_method: 'client_secret_basic',
    access_token_ttl: null,
    audience: [],
    introspect_any_token: false,
    dpop_bound_access_tokens: false,
    tls_client_certificate_bound_access_tokens: false,
    enabled: true,
    client_secret_expires_at: 0,
    ...fields,
  };
}

/** A client view's timestamps, from its stored row. */
export function viewTimestamps(row: { created_at: Date; updated_at: Date }): Record<string, unknown> {
  return {
    client_id_issued_at: Math.floor(row.created_at.getTime() / 1000),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
