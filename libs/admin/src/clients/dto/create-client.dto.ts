import { MIN_SUPPLIED_SECRET_LENGTH, NewClient, SUPPLIED_SECRET_PATTERN } from '@app/clients';
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
    minLength: MIN_SUPPLIED_SECRET_LENGTH,
    pattern: '^[A-Za-z0-9._~-]+$',
    description:
      'Generated (256 bits, base64url) when absent, which is best: a generated secret is stored as a fast digest, a ' +
      'supplied one with scrypt unless it is 43+ base64url characters. Returned in this response only.',
  })
  @IfPresent()
  // RFC 3986 unreserved only: curl -u, requests-oauthlib and Authlib send Basic credentials without form-encoding.
  @Matches(SUPPLIED_SECRET_PATTERN, { message: 'client_secret may only use the characters A-Z a-z 0-9 - . _ ~ (RFC 3986 unreserved)' })
  @Length(MIN_SUPPLIED_SECRET_LENGTH, 512, { message: `client_secret must be ${MIN_SUPPLIED_SECRET_LENGTH} to 512 characters long` })
  @IsString()
  client_secret?: string;
}
