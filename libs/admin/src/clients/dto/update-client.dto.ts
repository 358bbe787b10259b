import { ClientPatch } from '@app/clients';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { ClientMetadataDto, IfPresent, ScopeRules } from './client-metadata.dto';

/** PATCH /admin/clients/{client_id}: only the fields present change. The secret changes through rotation only. */
export class UpdateClientDto extends ClientMetadataDto implements ClientPatch {
  @ApiPropertyOptional({ example: 'customer.read', description: 'Space-delimited scope tokens (RFC 6749 §3.3)' })
  @IfPresent()
  @ScopeRules()
  scope?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'A disabled client cannot obtain tokens, and its tokens stop being accepted' })
  @IfPresent()
  @IsBoolean()
  enabled?: boolean;
}
