import {
  ClientView,
  FederatedCredential,
  GRANT_TYPES,
  JsonWebKeySet,
  TOKEN_ENDPOINT_AUTH_METHODS,
  TokenEndpointAuthMethod,
  TokenClaims,
  TokenExchangePolicy,
} from '@app/clients';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI description of ClientView (the response body is built by toClientView). */
export class ClientResponseDto implements ClientView {
  @ApiProperty() client_id: string;
  @ApiProperty({ type: String, nullable: true }) client_name: string | null;
  @ApiProperty({ example: 'customer.read customer.write' }) scope: string;
  @ApiProperty({ type: [String], enum: GRANT_TYPES }) grant_types: string[];
  @ApiProperty({ enum: TOKEN_ENDPOINT_AUTH_METHODS }) token_endpoint_auth_method: TokenEndpointAuthMethod;
  @ApiProperty({ type: Number, nullable: true, description: 'null: ACCESS_TOKEN_TTL applies' }) access_token_ttl: number | null;
  @ApiProperty({ type: [String], description: 'The first is the default audience' }) audience: string[];
  @ApiProperty() introspect_any_token: boolean;
  @ApiPropertyOptional({ type: Object, description: 'private_key_jwt keys by value' }) jwks?: JsonWebKeySet;
  @ApiPropertyOptional({ type: String }) jwks_uri?: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object' } }) federated_credentials?: FederatedCredential[];
  @ApiPropertyOptional({ type: Object, description: 'Claims every access token of the client carries' }) token_claims?: TokenClaims;
  @ApiPropertyOptional({ type: Object, description: 'RFC 8693: audiences and scopes obtainable on behalf of others' })
  token_exchange?: TokenExchangePolicy;
  @ApiPropertyOptional({ description: 'Present (true) when the client asks the token hook before signing' }) token_hook?: boolean;
  // Sender-constrained tokens
  @ApiProperty() dpop_bound_access_tokens: boolean;
  @ApiProperty() tls_client_certificate_bound_access_tokens: boolean;
  @ApiPropertyOptional({ type: String }) tls_client_auth_subject_dn?: string;
  @ApiPropertyOptional({ type: String }) tls_client_auth_san_dns?: string;
  @ApiPropertyOptional({ type: String }) tls_client_auth_san_uri?: string;
  @ApiPropertyOptional({ type: String }) tls_client_auth_san_ip?: string;
  @ApiPropertyOptional({ type: String }) tls_client_auth_san_email?: string;
  @ApiProperty() enabled: boolean;
  // clients as code
  @ApiPropertyOptional({ type: String, description: 'The desired-state file (managed_by) that owns the client; absent: managed by hand' })
  managed_by?: string;
  @ApiProperty({ description: 'Seconds since the epoch (RFC 7591 §3.2.1)' }) client_id_issued_at: number;
  @ApiProperty({ enum: [0], description: '0: the secret does not expire (RFC 7591 §3.2.1)' }) client_secret_expires_at: 0;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class CreatedClientResponseDto extends ClientResponseDto {
  @ApiPropertyOptional({
    description: 'Shown in this response only; the server keeps a hash (client_secret_jwt: sealed under the KEK). None for private_key_jwt',
  })
  client_secret?: string;
}

export class RotatedSecretResponseDto extends CreatedClientResponseDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Seconds since the epoch until which the previous secret works; null: it stopped at once',
  })
  previous_secret_expires_at: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'With revoke_tokens: tokens whose iat is at or before this second (epoch) are inactive; else null',
  })
  tokens_revoked_before: number | null;
}

export class TokensRevokedResponseDto {
  @ApiProperty() client_id: string;

  @ApiProperty({ description: 'Tokens whose iat is at or before this second (epoch) are inactive' })
  tokens_revoked_before: number;
}

export class ClientPageDto {
  @ApiProperty({ type: [ClientResponseDto] }) items: ClientResponseDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last page' }) next_cursor:
    string | null;
}
