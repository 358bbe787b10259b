import { MIN_CLIENT_SECRET_LENGTH, NewClient } from '@app/clients';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { ClientMetadataDto, IfPresent, ScopeRules, VSCHAR } from './client-metadata.dto';

/** POST /admin/clients (RFC 7591 §2 metadata). */
export class CreateClientDto extends ClientMetadataDto implements NewClient {
  @ApiPropertyOptional({ maxLength: 255, description: 'Generated (a UUID) when absent' })
  @IfPresent()
  @Matches(VSCHAR, { message: 'client_id must consist of printable ASCII characters (RFC 6749 Appendix A.1)' })
  @Length(1, 255)
  @IsString()
  client_id?: string;

  @ApiProperty({ example: 'customer.read customer.write', description: 'Space-delimited scope tokens (RFC 6749 §3.3)' })
  @ScopeRules()
  scope: string;

  @ApiPropertyOptional({
    minLength: MIN_CLIENT_SECRET_LENGTH,
    description: 'Generated (256 bits, base64url) when absent. Returned in this response only; stored as a hash.',
  })
  @IfPresent()
  @Matches(VSCHAR, { message: 'client_secret must consist of printable ASCII characters (RFC 6749 Appendix A.2)' })
  @Length(MIN_CLIENT_SECRET_LENGTH, 512, { message: `client_secret must be ${MIN_CLIENT_SECRET_LENGTH} to 512 characters long` })
  @IsString()
  client_secret?: string;
}
