import { ClientAdminService, cutoffSecond } from '@app/clients';
import { Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminActor } from '../admin-actor.decorator';
import { AdminController } from '../admin-controller.decorator';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { TokensRevokedResponseDto } from './dto/client-response.dto';

/** The per-client token cut-off, for a leaked token: no body, nothing else about the client changes. */
@AdminController('clients')
export class ClientTokensController {
  constructor(private readonly clients: ClientAdminService) {}

  @Post(':client_id/revoke-tokens')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Revoke every token issued to the client so far',
    description:
      'Tokens whose iat is at or before the cut-off second are inactive at introspection and in the admin guard on every ' +
      'instance. Resource servers that verify tokens offline cannot see this (use introspection or short lifetimes).',
  })
  @ApiOkResponse({ type: TokensRevokedResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async revokeTokens(@Param('client_id') clientId: string, @AdminActor() actor: string): Promise<TokensRevokedResponseDto> {
    const r = await this.clients.revokeTokens(clientId, actor);
    return { client_id: r.clientId, tokens_revoked_before: cutoffSecond(r.tokensRevokedBefore) };
  }
}
