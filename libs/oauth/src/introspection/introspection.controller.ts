import { ClientEntity } from '@app/clients';
import { Controller, Get } from '@nestjs/common';
import { AuthenticatedClient, OAuthParams, OAuthRequestParams } from '../client-auth';
import { OAuthEndpoint, refuseGet } from '../oauth-endpoint.decorator';
import { IntrospectionResponse } from './introspection-response';
import { IntrospectionService } from './introspection.service';

/** RFC 7662 §2 introspection endpoint: client-authenticated, parameters from the form body only. */
@Controller('oauth2')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  @OAuthEndpoint('introspect')
  introspect(@AuthenticatedClient() client: ClientEntity, @OAuthRequestParams() params: OAuthParams): Promise<IntrospectionResponse> {
    return this.introspection.introspect(client, params);
  }

  /** RFC 7662 §2.1: the request is an HTTP POST. */
  @Get('introspect')
  introspectByGet(): never {
    refuseGet('introspection');
  }
}
