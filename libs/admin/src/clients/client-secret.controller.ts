import { ClientAdminService, cutoffSecond } from '@app/clients';
import { Body, Header, HttpCode, Param, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController } from '../admin-controller.decorator';
import { AdminErrorsInterceptor } from '../errors/admin-errors.interceptor';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { AdminActor } from '../admin-actor.decorator';
import { ClientMetadataPipe } from '../validation/admin-pipes';
import { JsonBodyGuard } from '../validation/json-body.guard';
import { RotatedSecretResponseDto } from './dto/client-response.dto';
import { RotateSecretDto } from './dto/rotate-secret.dto';

/** Secret rotation, with an optional grace period for the previous secret. */
@AdminController('clients')
@UseInterceptors(AdminErrorsInterceptor)
export class ClientSecretController {
  constructor(private readonly clients: ClientAdminService) {}

  @Post(':client_id/secret')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiOperation({
    summary: 'Rotate the client secret',
    description:
      'Returns the new secret once. The previous one keeps working for grace_seconds (default 0: it stops at once). ' +
      'revoke_tokens: true also makes every token issued so far inactive.',
  })
  @ApiOkResponse({ type: RotatedSecretResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'the configured admin client: its secret follows ADMIN_CLIENT_SECRET' })
  async rotate(
    @Param('client_id') clientId: string,
    @Body(ClientMetadataPipe) body: RotateSecretDto,
    @AdminActor() actor: string,
  ): Promise<RotatedSecretResponseDto> {
    const r = await this.clients.rotateSecret(clientId, body.grace_seconds ?? 0, actor, { revokeTokens: body.revoke_tokens });
    const until = r.previousSecretExpiresAt ? Math.floor(r.previousSecretExpiresAt.getTime() / 1000) : null;
    const cutoff = r.tokensRevokedBefore ? cutoffSecond(r.tokensRevokedBefore) : null;
    return { ...r.client, client_secret: r.secret, previous_secret_expires_at: until, tokens_revoked_before: cutoff };
  }
}
