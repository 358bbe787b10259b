import { ASYMMETRIC_ALGS, GRANT_TYPES, TOKEN_ENDPOINT_AUTH_METHODS } from '@app/clients';
import { MAX_ENTRIES } from './config-document';
import { CLIENT_DEFAULTS, TRUSTED_ISSUER_DEFAULTS } from './desired-state';

const SCOPE = '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+( [\\x21\\x23-\\x5B\\x5D-\\x7E]+)*$';
const PRINTABLE = '^[\\x20-\\x7E]+$';

/**
 * JSON Schema (2020-12) of the desired-state document, for editors and CI linters: the same fields, types and
 * defaults the server's validation enforces (the server remains the judge of rules that need its configuration,
 * such as MAX_ACCESS_TOKEN_TTL or which trusted issuers exist). Published at {BASE}/admin/schema/config.json and
 * checked in as schema/config.schema.json (a spec keeps the two identical).
 */
export function configSchema(): Record<string, unknown> {
  const urlOrNull = { type: ['string', 'null'], maxLength: 2048 };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Clients as code: the clients and trusted issuers that should exist',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      managed_by: {
        type: 'string',
        pattern: '^[\\x21-\\x7E]{1,255}$',
        description: 'Labels the clients this file creates; --prune removes only clients with this label',
      },
      clients: { type: 'array', maxItems: MAX_ENTRIES, items: { $ref: '#/$defs/client' } },
      trusted_issuers: { type: 'array', maxItems: MAX_ENTRIES, items: { $ref: '#/$defs/trusted_issuer' } },
    },
    $defs: {
      client: {
        type: 'object',
        additionalProperties: false,
        required: ['client_id', 'scope'],
        description: 'RFC 7591 §2 client metadata as the admin API takes it; a field left out gets its default. Never a secret.',
        properties: {
          client_id: { type: 'string', minLength: 1, maxLength: 255, pattern: PRINTABLE },
          scope: { type: 'string', maxLength: 4096, pattern: SCOPE, description: 'Space-delimited scope tokens (RFC 6749 §3.3)' },
          client_name: { type: ['string', 'null'], minLength: 1, maxLength: 255, default: CLIENT_DEFAULTS.client_name },
          token_endpoint_auth_method: { enum: [...TOKEN_ENDPOINT_AUTH_METHODS], default: CLIENT_DEFAULTS.token_endpoint_auth_method },
          grant_types: { type: 'array', uniqueItems: true, items: { enum: [...GRANT_TYPES] }, default: CLIENT_DEFAULTS.grant_types },
          access_token_ttl: { type: ['integer', 'null'], minimum: 1, default: CLIENT_DEFAULTS.access_token_ttl },
          audience: {
            type: 'array',
            uniqueItems: true,
            maxItems: 50,
            items: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^\\S+$' },
            default: CLIENT_DEFAULTS.audience,
            description: 'RFC 8707 resources the client may ask for; the first is its default',
          },
          introspect_any_token: { type: 'boolean', default: CLIENT_DEFAULTS.introspect_any_token },
          jwks: {
            type: ['object', 'null'],
            required: ['keys'],
            properties: { keys: { type: 'array', items: { type: 'object' } } },
            default: CLIENT_DEFAULTS.jwks,
          },
          jwks_uri: { ...urlOrNull, default: CLIENT_DEFAULTS.jwks_uri },
          federated_credentials: {
            type: 'array',
            default: CLIENT_DEFAULTS.federated_credentials,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['issuer', 'subject'],
              properties: {
                issuer: { type: 'string' },
                subject: { type: 'string' },
                audience: { type: 'string' },
                claims: { type: 'object', additionalProperties: { type: 'string' } },
                claim_mappings: {
                  type: 'array',
                  items: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['from', 'to'],
                    properties: { from: { type: 'string' }, to: { type: 'string' } },
                  },
                },
              },
            },
          },
          enabled: { type: 'boolean', default: CLIENT_DEFAULTS.enabled },
          token_claims: {
            type: ['object', 'null'],
            default: CLIENT_DEFAULTS.token_claims,
            description: 'Claims every access token of the client carries; reserved claims (iss, sub, aud, ...) are refused',
          },
          token_exchange: {
            type: ['object', 'null'],
            additionalProperties: false,
            properties: {
              audiences: { type: 'array', items: { type: 'string' } },
              scopes: { type: 'array', items: { type: 'string' } },
            },
            default: CLIENT_DEFAULTS.token_exchange,
            description: 'RFC 8693: the audiences and scopes the client may obtain on behalf of others',
          },
          token_hook: { type: 'boolean', default: CLIENT_DEFAULTS.token_hook },
          dpop_bound_access_tokens: { type: 'boolean', default: CLIENT_DEFAULTS.dpop_bound_access_tokens },
          tls_client_certificate_bound_access_tokens: {
            type: 'boolean',
            default: CLIENT_DEFAULTS.tls_client_certificate_bound_access_tokens,
          },
          tls_client_auth_subject_dn: { type: ['string', 'null'], maxLength: 1024, default: null },
          tls_client_auth_san_dns: { type: ['string', 'null'], maxLength: 1024, default: null },
          tls_client_auth_san_uri: { type: ['string', 'null'], maxLength: 1024, default: null },
          tls_client_auth_san_ip: { type: ['string', 'null'], maxLength: 64, default: null },
          tls_client_auth_san_email: { type: ['string', 'null'], maxLength: 1024, default: null },
        },
      },
      trusted_issuer: {
        type: 'object',
        additionalProperties: false,
        required: ['issuer'],
        properties: {
          issuer: { type: 'string', maxLength: 2048, description: 'The exact iss of its tokens' },
          jwks_uri: { ...urlOrNull, default: TRUSTED_ISSUER_DEFAULTS.jwks_uri },
          signing_alg_values: {
            type: 'array',
            minItems: 1,
            uniqueItems: true,
            items: { enum: [...ASYMMETRIC_ALGS] },
            default: TRUSTED_ISSUER_DEFAULTS.signing_alg_values,
          },
          max_assertion_lifetime: { type: 'integer', minimum: 1, maximum: 86400, default: TRUSTED_ISSUER_DEFAULTS.max_assertion_lifetime },
          replay_protection: { type: 'boolean', default: TRUSTED_ISSUER_DEFAULTS.replay_protection },
          allow_private_network: { type: 'boolean', default: TRUSTED_ISSUER_DEFAULTS.allow_private_network },
        },
      },
    },
  };
}
