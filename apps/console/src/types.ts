/** The admin API's response shapes the console reads (see {BASE}/docs for the full schema). */

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Client {
  client_id: string;
  client_name: string | null;
  scope: string;
  grant_types: string[];
  token_endpoint_auth_method: string;
  access_token_ttl: number | null;
  audience: string[];
  introspect_any_token: boolean;
  jwks?: unknown;
  jwks_uri?: string;
  federated_credentials?: unknown[];
  enabled: boolean;
  created_at: string;
  updated_at: string;
  client_secret?: string;
  previous_secret_expires_at?: number | null;
  tokens_revoked_before?: number | null;
}

export interface TrustedIssuer {
  issuer: string;
  jwks_uri: string | null;
  signing_alg_values: string[];
  max_assertion_lifetime: number;
  replay_protection: boolean;
  allow_private_network: boolean;
  created_at: string;
  updated_at: string;
}

export interface SigningKey {
  kid: string;
  alg: string;
  status: 'next' | 'active' | 'retired';
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  expires_at: string | null;
  not_before: string | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  client_id: string | null;
  details: Record<string, unknown>;
}

interface ClientCount {
  client_id: string;
  tokens: number;
}

export interface Minute {
  start: string;
  tokens_issued: number;
  auth_failures: number;
  throttled: number;
  cache_hit_rate: number | null;
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
  top_clients: ClientCount[];
}

export interface Activity {
  scope: 'instance';
  minutes: Minute[];
  top_clients: ClientCount[];
}

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt'];
export const SECRET_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];
