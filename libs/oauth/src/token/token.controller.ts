import { ClientEntity } from '@app/clients';
import { Controller, Get } from '@nestjs/common';
import {
  ClientIfAuthenticated,
  OAuthParams,
  OAuthRequestParams,
  ParamsFromQuery,
  RequestSource,
  UnauthenticatedGrants,
} from '../client-auth';
import { JWT_BEARER_GRANT } from '../grants/jwt-bearer.grant';
import type { Confirmation } from '../dpop/confirmation';
import { GrantRegistry } from '../grants/grant-registry';
import { OAuthEndpoint, refuseGet } from '../oauth-endpoint.decorator';
import { SenderConstraintGuard, TokenBinding } from './sender-constraint.guard';
import { TokenResponse } from './token-response';

/** RFC 6749 §3.2 token endpoint. */
@Controller('oauth2')
export class TokenController {
  constructor(private readonly grants: GrantRegistry) {}

  @OAuthEndpoint('token', SenderConstraintGuard)
  // RFC 7523 §3.1, a workload with no client of its own presents only its assertion.
  @UnauthenticatedGrants(JWT_BEARER_GRANT)
  // The seed's request sends grant_type and scope in the query string; resource/audience go with them.
  @ParamsFromQuery('grant_type', 'scope', 'resource', 'audience')
  token(
    @ClientIfAuthenticated() client: ClientEntity | undefined,
    @OAuthRequestParams() params: OAuthParams,
    @TokenBinding() binding: Confirmation | undefined,
    @RequestSource() source: string,
  ): Promise<TokenResponse> {
    return this.grants.exchange({ client, source }, params, binding);
  }

  /** RFC 6749 §3.2: the client MUST use POST. */
  @Get('token')
  tokenByGet(): never {
    refuseGet('token');
  }
}
