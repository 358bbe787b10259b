import { Clock } from '@app/config';
import { KeyLifecycleService, KeyView, RotationOutcome } from '@app/keys';
import { Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminController } from '../admin-controller.decorator';
import { AdminActor } from '../admin-actor.decorator';
import { KeyListDto, RotationResponseDto } from './key-response.dto';
import { ParseFlagPipe } from './parse-flag.pipe';

/** Signing keys: list the lifecycle, rotate on demand (the schedule is KEY_ROTATION_INTERVAL). */
@AdminController('keys')
export class AdminKeysController {
  constructor(
    private readonly keys: KeyLifecycleService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List signing keys (metadata only, never key material)' })
  @ApiOkResponse({ type: KeyListDto })
  async list(): Promise<{ items: KeyView[] }> {
    return { items: await this.keys.list() };
  }

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the signing key',
    description:
      'Promotes the next key once it has been published for JWKS_MAX_AGE (200); before that, publishes a next key if there is ' +
      'none and answers 202 with next.not_before and Retry-After. immediate=true replaces the active key at once and drops it ' +
      'from the JWKS: every token it signed stops verifying (for a leaked key).',
  })
  @ApiQuery({ name: 'immediate', required: false, type: Boolean })
  @ApiOkResponse({ type: RotationResponseDto, description: 'Rotated: active signs now' })
  @ApiAcceptedResponse({
    type: RotationResponseDto,
    description: 'Not yet: the next key is published, promotion possible from next.not_before',
  })
  @ApiBadRequestResponse({ description: 'invalid_request: immediate is not true or false' })
  async rotate(
    @AdminActor() actor: string,
    @Query('immediate', new ParseFlagPipe('immediate')) immediate: boolean,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RotationOutcome> {
    const outcome = await this.keys.rotate(actor, { immediate });
    if (!outcome.rotated) void reply.status(202).header('Retry-After', String(retryAfter(outcome.next.not_before, this.clock.now())));
    return outcome;
  }
}

/** Whole seconds until the next key may be promoted (at least 1); not_before comes from the database clock. */
function retryAfter(notBefore: string | null, nowMs: number): number {
  return Math.max(1, Math.ceil(((notBefore ? Date.parse(notBefore) : nowMs) - nowMs) / 1000));
}
