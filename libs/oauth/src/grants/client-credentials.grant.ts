import { accessTokenLifetime, ClientEntity } from '@app/clients';
import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { OAuthParams } from '../client-auth';
import type { Confirmation } from '../dpop/confirmation';
import { UnauthorizedClient } from '../errors';
import { TokenReuse } from '../token-reuse/token-reuse';
import { resolveAudience } from '../token/audience';
import { grantScopes, parseScope } from '../token/scope';
import { TokenResponse } from '../token/token-response';
import { GrantHandler } from './grant-handler';

/** RFC 6749 §4.4 Client Credentials Grant. No refresh token is issued (§4.4.3). */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials';

  constructor(
    private readonly tokens: TokenReuse,
    private readonly config: AppConfig,
  ) {}

  async handle(client: ClientEntity, params: OAuthParams, binding?: Confirmation): Promise<TokenResponse> {
    if (!client.grantTypes.includes(this.grantType)) {
      throw new UnauthorizedClient('The client is not allowed to use the client_credentials grant');
    }
    const scopes = grantScopes(parseScope(params.single.get('scope')), client.scopes);
    const audience = resolveAudience(client, params, this.config.admin.audience);
    const clientTtl = accessTokenLifetime(client.accessTokenTtl, this.config.tokens);
    // A leaked admin token is worth the most: its lifetime is capped on its own (ADMIN_ACCESS_TOKEN_TTL).
    const ttl = audience === this.config.admin.audience ? Math.min(clientTtl, this.config.admin.accessTokenTtl) : clientTtl;
    const issued = await this.tokens.issue({ clientId: client.clientId, scopes, audience, ttlSeconds: ttl, cnf: binding });
    // RFC 9449 §5: a DPoP-bound token is of type DPoP; a certificate-bound one stays Bearer (RFC 8705 §3).
    const tokenType = binding && 'jkt' in binding ? 'DPoP' : 'Bearer';
    const response: TokenResponse = { access_token: issued.token, token_type: tokenType, expires_in: issued.expiresIn };
    if (scopes.length) response.scope = scopes.join(' ');
    return response;
  }
}
