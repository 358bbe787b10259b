import { accessTokenLifetime, ClientEntity } from '@app/clients';
import { AdminConfig, ServerConfig, TokenConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { OAuthParams } from '../client-auth';
import { federatedClaimsOf } from '../client-auth/assertion/claim-mappings';
import type { Confirmation } from '../dpop/confirmation';
import { UnauthorizedClient } from '../errors';
import { AccessTokenIssuer } from '../token/access-token.issuer';
import { TokenHook } from '../token-hook/token-hook';
import { FreshOrReusedTokens } from '../token-reuse/fresh-or-reused-tokens';
import { resolveAudience } from '../token/audience';
import { grantScopes, parseScope } from '../token/scope';
import { TokenResponse } from '../token/token-response';
import { GrantHandler } from './grant-handler';

/** RFC 6749 §4.4 Client Credentials Grant. No refresh token is issued (§4.4.3). */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials';

  constructor(
    private readonly freshOrReused: FreshOrReusedTokens,
    private readonly admin: AdminConfig,
    private readonly tokens: TokenConfig,
    private readonly server: ServerConfig,
    private readonly issuer: AccessTokenIssuer,
    private readonly hook: TokenHook,
  ) {}

  async handle(client: ClientEntity, params: OAuthParams, binding?: Confirmation): Promise<TokenResponse> {
    if (!client.grantTypes.includes(this.grantType)) {
      throw new UnauthorizedClient('The client is not allowed to use the client_credentials grant');
    }
    const scopes = grantScopes(parseScope(params.single.get('scope')), client.scopes);
    const audience = resolveAudience(client, params, this.admin.audience);
    const clientTtl = accessTokenLifetime(client.accessTokenTtl, this.tokens);
    // A leaked admin token is worth the most: its lifetime is capped on its own (ADMIN_ACCESS_TOKEN_TTL).
    const ttl = audience === this.admin.audience ? Math.min(clientTtl, this.admin.accessTokenTtl) : clientTtl;
    const request = {
      clientId: client.clientId,
      scopes,
      audience,
      ttlSeconds: ttl,
      claims: client.tokenClaims,
      cnf: binding,
      clientCutoff: client.tokensRevokedBefore,
    };
    // Claims mapped from a workload's platform token differ per token: such a token is never handed out again.
    const federated = federatedClaimsOf(client, params, this.server.issuer);
    let issued;
    if (this.hook.appliesTo(client)) {
      // The hook decides per request (it may deny or add claims), so its tokens are never reused either.
      const proposed = { ...client.tokenClaims, ...federated };
      const claims = await this.hook.claims({
        grantType: this.grantType,
        clientId: client.clientId,
        subject: client.clientId,
        scopes,
        audience,
        claims: proposed,
      });
      issued = await this.issuer.issue({ ...request, claims });
    } else if (federated) {
      issued = await this.issuer.issue({ ...request, claims: { ...client.tokenClaims, ...federated } });
    } else {
      // Static claims change only with the client's row, whose every change drops its reusable tokens.
      issued = await this.freshOrReused.issue(request, client);
    }
    // RFC 9449 §5: a DPoP-bound token is of type DPoP; a certificate-bound one stays Bearer (RFC 8705 §3).
    const tokenType = binding && 'jkt' in binding ? 'DPoP' : 'Bearer';
    const response: TokenResponse = { access_token: issued.token, token_type: tokenType, expires_in: issued.expiresIn };
    if (scopes.length) response.scope = scopes.join(' ');
    return response;
  }
}
