import { ClientPatch } from '@app/clients';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, Matches } from 'class-validator';
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

  // clients as code
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'The desired-state file that owns the client (its managed_by); null hands the client back to manual management',
  })
  @IsOptional()
  @Matches(/^[\x21-\x7E]{1,255}$/, { message: 'managed_by must be 1 to 255 printable ASCII characters without spaces, or null' })
  managed_by?: string | null;
}
