import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import { IfPresent } from './client-metadata.dto';

export const MAX_SECRET_GRACE_SECONDS = 30 * 86400;

/** POST /admin/clients/{client_id}/secret */
export class RotateSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_SECRET_GRACE_SECONDS,
    default: 0,
    description: 'How long the previous secret keeps working, so callers can switch without downtime',
  })
  @IfPresent()
  @Max(MAX_SECRET_GRACE_SECONDS)
  @Min(0)
  @IsInt({ message: 'grace_seconds must be an integer number of seconds' })
  grace_seconds?: number;

  @ApiPropertyOptional({
    default: false,
    description: 'Also cut off every token issued to the client so far (a leaked secret); they become inactive at once',
  })
  @IfPresent()
  @IsBoolean({ message: 'revoke_tokens must be true or false' })
  revoke_tokens?: boolean;
}
