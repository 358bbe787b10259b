import { ClientEntity } from '@app/clients';
import { Controller, Get, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AuthenticatedClient, BasicAuthGuard, OAuthParams, OAuthRequestParams } from '../client-auth';
import { InvalidRequest } from '../errors';
import { RevocationService } from './revocation.service';

/** RFC 7009 §2 revocation endpoint: client-authenticated, parameters from the form body only. */
@Controller('oauth2')
export class RevocationController {
  constructor(private readonly revocation: RevocationService) {}

  /** §2.2: 200 with an empty body, whether or not the token was valid. */
  @Post('revoke')
  @HttpCode(200)
  @UseGuards(BasicAuthGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  revoke(@AuthenticatedClient() client: ClientEntity, @OAuthRequestParams() params: OAuthParams): Promise<void> {
    return this.revocation.revoke(client, params);
  }

  /** §2.1: the client sends an HTTP POST. */
  @Get('revoke')
  revokeByGet(): never {
    throw new InvalidRequest('The revocation endpoint accepts POST only', undefined, 405, { Allow: 'POST' });
  }
}
