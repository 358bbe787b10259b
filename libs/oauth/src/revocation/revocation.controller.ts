import { ClientEntity } from '@app/clients';
import { Controller, Get } from '@nestjs/common';
import { AuthenticatedClient, OAuthParams, OAuthRequestParams } from '../client-auth';
import { OAuthEndpoint, refuseGet } from '../oauth-endpoint.decorator';
import { RevocationService } from './revocation.service';

/** RFC 7009 §2 revocation endpoint: client-authenticated, parameters from the form body only. */
@Controller('oauth2')
export class RevocationController {
  constructor(private readonly revocation: RevocationService) {}

  /** §2.2: 200 with an empty body, whether or not the token was valid. */
  @OAuthEndpoint('revoke')
  revoke(@AuthenticatedClient() client: ClientEntity, @OAuthRequestParams() params: OAuthParams): Promise<void> {
    return this.revocation.revoke(client, params);
  }

  /** §2.1: the client sends an HTTP POST. */
  @Get('revoke')
  revokeByGet(): never {
    refuseGet('revocation');
  }
}
