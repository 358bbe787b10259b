import { ClientAdminService, toRotatedSecretView } from '@app/clients';
import { Body, Header, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController } from '../admin-controller.decorator';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { AdminActor } from '../admin-actor.decorator';
import { ClientMetadataPipe } from '../validation/admin-pipes';
import { JsonBodyGuard } from '../validation/json-body.guard';
import { RotatedSecretResponseDto } from './dto/client-response.dto';
import { RotateSecretDto } from './dto/rotate-secret.dto';

/** Secret rotation, with an optional grace period for the previous secret. */
@AdminController('clients')
export class ClientSecretController {
  constructor(private readonly clients: ClientAdminService) {}

  @Post(':client_id/secret')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({
    summary: 'Rotate the client secret',
    description: 'Returns the new secret once. The previous one keeps working for grace_seconds (default 0: it stops at once).',
  })
  @ApiOkResponse({ type: RotatedSecretResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async rotate(
    @Param('client_id') clientId: string,
    @Body(ClientMetadataPipe) body: RotateSecretDto,
    @AdminActor() actor: string,
  ): Promise<RotatedSecretResponseDto> {
    return toRotatedSecretView(
      await this.clients.rotateSecret(clientId, body.grace_seconds ?? 0, actor, { revokeTokens: body.revoke_tokens }),
    );
  }
}
