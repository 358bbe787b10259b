import type { ClientMetadata, ClientView, TrustedIssuerView } from '@app/clients';

/**
 * A desired-state document: the clients and trusted issuers that should exist, in the admin API's field names
 * (RFC 7591 §2 for clients), never with a secret. A field left out means its default, so removing a line from the
 * file reverts it. `managed_by` labels the clients the file creates; `--prune` removes only clients with that label.
 */
export interface DesiredState {
  managed_by?: string;
  clients: DesiredClient[];
  trusted_issuers: DesiredTrustedIssuer[];
}

/** One client of the file: the admin API's metadata, with the id and scope required; the file itself is `managed_by`. */
export interface DesiredClient extends Omit<ClientMetadata, 'managed_by'> {
  client_id: string;
  scope: string;
  enabled?: boolean;
}

export interface DesiredTrustedIssuer {
  issuer: string;
  jwks_uri?: string | null;
  signing_alg_values?: string[];
  max_assertion_lifetime?: number;
  replay_protection?: boolean;
  allow_private_network?: boolean;
}

/** A client field the file manages, with the value it has when the file leaves it out. */
export const CLIENT_DEFAULTS = {
  client_name: null,
  scope: '',
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['client_credentials'],
  access_token_ttl: null,
  audience: [],
  introspect_any_token: false,
  jwks: null,
  jwks_uri: null,
  federated_credentials: [],
  enabled: true,
  token_claims: null,
  token_exchange: null,
  token_hook: false,
  dpop_bound_access_tokens: false,
  tls_client_certificate_bound_access_tokens: false,
  tls_client_auth_subject_dn: null,
  tls_client_auth_san_dns: null,
  tls_client_auth_san_uri: null,
  tls_client_auth_san_ip: null,
  tls_client_auth_san_email: null,
} as const satisfies Record<Exclude<keyof DesiredClient, 'client_id'>, unknown>;

export type ClientField = keyof typeof CLIENT_DEFAULTS;
export const CLIENT_FIELDS = Object.keys(CLIENT_DEFAULTS) as ClientField[];

export const TRUSTED_ISSUER_DEFAULTS = {
  jwks_uri: null,
  signing_alg_values: ['RS256', 'ES256'],
  max_assertion_lifetime: 3600,
  replay_protection: false,
  allow_private_network: false,
} as const satisfies Record<Exclude<keyof DesiredTrustedIssuer, 'issuer'>, unknown>;

export type TrustedIssuerField = keyof typeof TRUSTED_ISSUER_DEFAULTS;
export const TRUSTED_ISSUER_FIELDS = Object.keys(TRUSTED_ISSUER_DEFAULTS) as TrustedIssuerField[];

/** What exists, as the admin API shows it. */
export interface CurrentState {
  clients: ClientView[];
  trusted_issuers: TrustedIssuerView[];
}

export interface FieldChange {
  field: string;
  /** Absent on create. */
  from?: unknown;
  /** Absent on delete. */
  to?: unknown;
}

/** One change of a plan, as `plan` and `apply` answer it. */
export interface PlannedChange {
  kind: 'client' | 'trusted_issuer';
  id: string;
  action: 'create' | 'update' | 'disable' | 'delete';
  fields: FieldChange[];
}

/** A change as applied; a created client (or one whose new auth method issued one) carries its secret, shown once. */
export type AppliedChange = PlannedChange & { client_secret?: string };
