import { KeyStatus, KeyView, RotationOutcome } from '@app/keys';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI description of KeyView (the body is built by toKeyView): metadata only, never key material. */
export class KeyResponseDto implements KeyView {
  @ApiProperty({ description: 'RFC 7638 JWK thumbprint, the `kid` of the JWKS entry and of the tokens it signs' }) kid: string;
  @ApiProperty({ enum: ['RS256', 'PS256', 'ES256', 'EdDSA'] }) alg: string;
  @ApiProperty({ enum: ['next', 'active', 'retired'] }) status: KeyStatus;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) activated_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) retired_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When a retired key leaves the JWKS' }) expires_at:
    string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'From when a next key may be promoted' }) not_before:
    string | null;
  @ApiProperty({ description: 'Id of the key-encryption key that seals the private part' }) encryption_key_id: string;
}

export class KeyListDto {
  @ApiProperty({ type: [KeyResponseDto] }) items: KeyResponseDto[];
}

export class RotationResponseDto implements RotationOutcome {
  @ApiProperty({ description: 'false: the next key is not published long enough yet (202); ask again from next.not_before' })
  rotated: boolean;
  @ApiProperty({ type: KeyResponseDto }) active: KeyResponseDto;
  @ApiProperty({ type: KeyResponseDto }) next: KeyResponseDto;
  @ApiPropertyOptional({ type: KeyResponseDto, description: 'Normal rotation: the previous key, published until its expires_at' })
  retired?: KeyResponseDto;
  @ApiPropertyOptional({ type: [String], description: 'Emergency rotation: kids removed from the JWKS at once' }) removed?: string[];
}
