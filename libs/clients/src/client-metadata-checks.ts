import { AssertionConfig, ClaimsConfig, ServerConfig } from '@app/config';
import { LOCK_CLIENT_OR_ISSUER_NAME, lockName } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ClientMetadataError, type FieldProblem } from './client-admin.errors';
import { tokenClaimsProblems, tokenExchangeProblems } from './client-claims';
import type { ClientPatch } from './client-metadata';
import { federatedCredentialProblems, jwksProblems, jwksUriProblems } from './client-public-key-rules';
import type { ClientEntity, TokenEndpointAuthMethod } from './client.entity';

/**
 * The checks on a client's registration or change that need this server's configuration or its database: the
 * method enabled here, the shape of keys, federated credentials, token claims and exchange rules, and the trusted
 * issuers that federated credentials name. Each throws ClientMetadataError, every problem found at once.
 */
@Injectable()
export class ClientMetadataChecks {
  constructor(
    private readonly assertions: AssertionConfig,
    private readonly server: ServerConfig,
    private readonly claims: ClaimsConfig,
  ) {}

  assertMethodEnabled(method: TokenEndpointAuthMethod): void {
    if (method === 'client_secret_jwt' && !this.assertions.clientSecretJwtEnabled) {
      throw new ClientMetadataError([
        { field: 'token_endpoint_auth_method', message: 'client_secret_jwt is not enabled on this server (CLIENT_SECRET_JWT_ENABLED)' },
      ]);
    }
  }

  /**
   * The shape of keys, federated credentials, token claims and exchange rules, and whether a token hook is there
   * to ask, as far as it can be checked without the database.
   */
  shapeProblems(m: ClientPatch): FieldProblem[] {
    return [
      ...(m.jwks !== undefined && m.jwks !== null ? jwksProblems(m.jwks) : []),
      ...(m.jwks_uri !== undefined && m.jwks_uri !== null ? jwksUriProblems(m.jwks_uri, this.server.production) : []),
      ...(m.federated_credentials !== undefined ? federatedCredentialProblems(m.federated_credentials) : []),
      ...(m.token_claims !== undefined && m.token_claims !== null ? tokenClaimsProblems(m.token_claims, this.claims.maxBytes) : []),
      ...(m.token_exchange !== undefined && m.token_exchange !== null ? tokenExchangeProblems(m.token_exchange) : []),
      ...(m.token_hook === true && this.claims.hook === undefined
        ? [{ field: 'token_hook', message: 'no token hook is configured on this server (TOKEN_HOOK_URL)' }]
        : []),
    ];
  }

  throwIfAny(...lists: FieldProblem[][]): void {
    const all = lists.flat();
    if (all.length) throw new ClientMetadataError(all);
  }

  /**
   * Each federated credential must name a trusted issuer, and no client id may equal a trusted issuer, so an
   * assertion's `iss` always says unambiguously which keys check it.
   */
  async checkFederation(m: EntityManager, clientId: string, creds: ClientEntity['federatedCredentials'] | undefined): Promise<void> {
    // A trusted issuer of this name created at the same time waits for this transaction, and the reverse.
    await lockName(m, LOCK_CLIENT_OR_ISSUER_NAME, clientId);
    const named = [...new Set((creds ?? []).map((c) => c.issuer))];
    const rows: { issuer: string }[] = await m.query('SELECT issuer FROM trusted_issuers WHERE issuer = ANY($1) OR issuer = $2', [
      named,
      clientId,
    ]);
    const trusted = new Set(rows.map((r) => r.issuer));
    if (trusted.has(clientId)) {
      throw new ClientMetadataError([{ field: 'client_id', message: 'client_id must not equal a trusted issuer identifier' }]);
    }
    this.throwIfAny(
      (creds ?? []).flatMap((c, i) =>
        trusted.has(c.issuer) ? [] : [{ field: `federated_credentials.${i}.issuer`, message: `"${c.issuer}" is not a trusted issuer` }],
      ),
    );
  }
}
