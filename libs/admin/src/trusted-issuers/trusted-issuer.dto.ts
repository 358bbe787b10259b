import { ASYMMETRIC_ALGS, TrustedIssuerInput, TrustedIssuerPatch, TrustedIssuerView } from '@app/clients';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IfPresent } from '../clients/dto/client-metadata.dto';

const MAX_LIFETIME = 86400;

/** PATCH {BASE}/admin/trusted-issuers/{issuer}: only the fields present change. */
export class UpdateTrustedIssuerDto implements TrustedIssuerPatch {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Keys of the issuer; null: OIDC discovery at {issuer}/.well-known/openid-configuration',
  })
  @IsOptional()
  @MaxLength(2048)
  @IsString({ message: 'jwks_uri must be a URL string' })
  jwks_uri?: string | null;

  @ApiPropertyOptional({ type: [String], enum: ASYMMETRIC_ALGS, default: ['RS256', 'ES256'] })
  @IfPresent()
  @IsIn(ASYMMETRIC_ALGS, { each: true, message: `each algorithm must be one of ${ASYMMETRIC_ALGS.join(', ')}` })
  @ArrayUnique()
  @ArrayMaxSize(ASYMMETRIC_ALGS.length)
  @ArrayNotEmpty({ message: 'signing_alg_values must name at least one algorithm' })
  @IsArray()
  signing_alg_values?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIFETIME, default: 3600, description: 'Seconds, as exp − iat (exp − nbf without iat)' })
  @IfPresent()
  @Max(MAX_LIFETIME)
  @Min(1)
  @IsInt({ message: 'max_assertion_lifetime must be an integer number of seconds' })
  max_assertion_lifetime?: number;

  @ApiPropertyOptional({ default: false, description: 'Accept each token (jti) once; platform tokens are usually reused, so off' })
  @IfPresent()
  @IsBoolean()
  replay_protection?: boolean;

  @ApiPropertyOptional({
    default: false,
    description: 'Discovery and JWKS may be on private addresses (in-cluster issuers), even in production',
  })
  @IfPresent()
  @IsBoolean()
  allow_private_network?: boolean;
}

/** POST {BASE}/admin/trusted-issuers */
export class CreateTrustedIssuerDto extends UpdateTrustedIssuerDto implements TrustedIssuerInput {
  @ApiProperty({ example: 'https://token.actions.githubusercontent.com', description: 'The exact `iss` of its tokens' })
  @MaxLength(2048)
  @IsString({ message: 'issuer must be a URL string' })
  issuer: string;
}

export class TrustedIssuerResponseDto implements TrustedIssuerView {
  @ApiProperty() issuer: string;
  @ApiProperty({ type: String, nullable: true }) jwks_uri: string | null;
  @ApiProperty({ type: [String] }) signing_alg_values: string[];
  @ApiProperty() max_assertion_lifetime: number;
  @ApiProperty() replay_protection: boolean;
  @ApiProperty() allow_private_network: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class TrustedIssuerPageDto {
  @ApiProperty({ type: [TrustedIssuerResponseDto] }) items: TrustedIssuerResponseDto[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}
