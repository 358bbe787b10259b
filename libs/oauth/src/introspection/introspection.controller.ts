import { ClientEntity } from '@app/clients';
import { Controller, Get, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { AuthenticatedClient, BasicAuthGuard, OAuthParams, OAuthRequestParams } from '../client-auth';
import { InvalidRequest } from '../errors';
import { IntrospectionResponse } from './introspection-response';
import { IntrospectionService } from './introspection.service';

/** RFC 7662 §2 introspection endpoint: client-authenticated, parameters from the form body only. */
@Controller('oauth2')
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  @Post('introspect')
  @HttpCode(200)
  @UseGuards(BasicAuthGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  introspect(@AuthenticatedClient() client: ClientEntity, @OAuthRequestParams() params: OAuthParams): Promise<IntrospectionResponse> {
    return this.introspection.introspect(client, params);
  }

  /** RFC 7662 §2.1: the request is an HTTP POST. */
  @Get('introspect')
  introspectByGet(): never {
    throw new InvalidRequest('The introspection endpoint accepts POST only', undefined, 405, { Allow: 'POST' });
  }
}
