import { ClientEntity } from '@app/clients';
import { Controller, Get, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AuthenticatedClient, BasicAuthGuard, OAuthParams, OAuthRequestParams, ParamsFromQuery } from '../client-auth';
import type { Confirmation } from '../dpop/confirmation';
import { InvalidRequest } from '../errors';
import { GrantRegistry } from '../grants/grant-registry';
import { SenderConstraintGuard, TokenBinding } from './sender-constraint.guard';
import { TokenResponse } from './token-response';

/** RFC 6749 §3.2 token endpoint. */
@Controller('oauth2')
export class TokenController {
  constructor(private readonly grants: GrantRegistry) {}

  @Post('token')
  @HttpCode(200)
  @UseGuards(BasicAuthGuard, SenderConstraintGuard)
  // The seed's request sends grant_type and scope in the query string; resource/audience go with them.
  @ParamsFromQuery('grant_type', 'scope', 'resource', 'audience')
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(
    @AuthenticatedClient() client: ClientEntity,
    @OAuthRequestParams() params: OAuthParams,
    @TokenBinding() binding: Confirmation | undefined,
  ): Promise<TokenResponse> {
    return this.grants.exchange(client, params, binding);
  }

  /** RFC 6749 §3.2: the client MUST use POST. */
  @Get('token')
  tokenByGet(): never {
    throw new InvalidRequest('The token endpoint accepts POST only', undefined, 405, { Allow: 'POST' });
  }
}
