import {
  ClientMetadata,
  FederatedCredential,
  GRANT_TYPES,
  JsonWebKeySet,
  SCOPE_LIST,
  TOKEN_ENDPOINT_AUTH_METHODS,
  TokenEndpointAuthMethod,
  TokenClaims,
  TokenExchangePolicy,
} from '@app/clients';
import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';

/*
 * class-validator runs a property's rules from the bottom decorator up, and the admin pipes stop at the
 * first broken one, so each property lists its type check last.
 */

/** RFC 6749 Appendix A.1/A.2: client_id and client_secret are VSCHAR (printable ASCII). */
export const VSCHAR = /^[\x20-\x7E]+$/;

/** Validates the property only when it is present; unlike @IsOptional, null is then an error. */
export const IfPresent = (): PropertyDecorator => ValidateIf((_: unknown, value: unknown) => value !== undefined);

/** The scope field: a space-delimited list of RFC 6749 §3.3 scope tokens. */
export function ScopeRules(): PropertyDecorator {
  return (target, key) => {
    IsString({ message: 'scope must be a string of space-delimited scope tokens' })(target, key);
    MaxLength(4096)(target, key);
    Matches(SCOPE_LIST, { message: 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3)' })(target, key);
  };
}

/** Metadata fields shared by registration and update (RFC 7591 §2 names). */
export class ClientMetadataDto implements ClientMetadata {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 255, example: 'Billing service' })
  @IsOptional()
  @Matches(/^[^\p{Cc}]*$/u, { message: 'client_name must not contain control characters' })
  @Length(1, 255)
  @IsString()
  client_name?: string | null;

  @ApiPropertyOptional({ enum: TOKEN_ENDPOINT_AUTH_METHODS, default: 'client_secret_basic' })
  @IfPresent()
  @IsIn(TOKEN_ENDPOINT_AUTH_METHODS, { message: `token_endpoint_auth_method must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}` })
  token_endpoint_auth_method?: TokenEndpointAuthMethod;

  @ApiPropertyOptional({ type: [String], enum: GRANT_TYPES, default: ['client_credentials'] })
  @IfPresent()
  @IsIn(GRANT_TYPES, { each: true, message: `each grant type must be one of ${GRANT_TYPES.join(', ')}` })
  @ArrayUnique()
  @IsArray()
  grant_types?: string[];

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    description: 'Access-token lifetime in seconds, at most MAX_ACCESS_TOKEN_TTL; null uses ACCESS_TOKEN_TTL',
  })
  @IsOptional()
  @Min(1)
  @IsInt({ message: 'access_token_ttl must be an integer number of seconds' })
  access_token_ttl?: number | null;

  @ApiPropertyOptional({
    type: [String],
    description: 'Audiences (RFC 8707 resources) the client may request; the first is its default',
    example: ['https://api.example.com'],
  })
  @IfPresent()
  @Matches(/^[^\s\p{Cc}]+$/u, { each: true, message: 'an audience must not contain whitespace or control characters' })
  @Length(1, 2048, { each: true, message: 'each audience must be a non-empty string of at most 2048 characters' })
  @IsString({ each: true, message: 'each audience must be a string' })
  @ArrayUnique()
  @ArrayMaxSize(50)
  @IsArray()
  audience?: string[];

  @ApiPropertyOptional({ type: Boolean, default: false, description: "May introspect other clients' tokens (RFC 7662 §4)" })
  @IfPresent()
  @IsBoolean()
  introspect_any_token?: boolean;

  @ApiPropertyOptional({
    type: Object,
    nullable: true,
    description: 'private_key_jwt: the public keys by value, {"keys": [JWK, ...]} (RFC 7591 §2); never with jwks_uri; null removes',
  })
  @IsOptional()
  @IsObject({ message: 'jwks must be a JWK Set object {"keys": [...]}' })
  jwks?: JsonWebKeySet | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'private_key_jwt: https URL of the public keys (RFC 7591 §2); never with jwks; null removes',
  })
  @IsOptional()
  @MaxLength(2048)
  @IsString({ message: 'jwks_uri must be a URL string' })
  jwks_uri?: string | null;

  @ApiPropertyOptional({
    type: 'array',
    items: {
      type: 'object',
      properties: { issuer: { type: 'string' }, subject: { type: 'string' }, audience: { type: 'string' }, claims: { type: 'object' } },
      required: ['issuer', 'subject'],
    },
    description: 'Workload identity federation: tokens of a trusted issuer with this exact subject (and claims) authenticate the client',
  })
  @IfPresent()
  @IsArray({ message: 'federated_credentials must be an array' })
  federated_credentials?: FederatedCredential[];

  @ApiPropertyOptional({
    type: Object,
    nullable: true,
    description:
      'Claims every access token of the client carries (not iss, sub, aud, exp, iat, nbf, jti, client_id, scope, cnf, act, may_act); null removes',
    example: { tenant: 'acme', env: 'prod' },
  })
  @IsOptional()
  @IsObject({ message: 'token_claims must be a JSON object of claim names to values' })
  token_claims?: TokenClaims | null;

  @ApiPropertyOptional({
    type: 'object',
    nullable: true,
    properties: { audiences: { type: 'array', items: { type: 'string' } }, scopes: { type: 'array', items: { type: 'string' } } },
    description: 'RFC 8693 token exchange: the audiences and scopes the client may obtain on behalf of others; null: none',
  })
  @IsOptional()
  @IsObject({ message: 'token_exchange must be an object {"audiences": [...], "scopes": [...]}' })
  token_exchange?: TokenExchangePolicy | null;

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description: 'Ask the token hook (TOKEN_HOOK_URL) before signing this client’s tokens',
  })
  @IfPresent()
  @IsBoolean()
  token_hook?: boolean;
  // Sender-constrained tokens (RFC 9449 §5.2, RFC 8705 §2.1.2 and §3.4)
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Every token request must carry a DPoP proof (RFC 9449 §5.2)' })
  @IfPresent()
  @IsBoolean()
  dpop_bound_access_tokens?: boolean;

  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Tokens are bound to the client certificate (RFC 8705 §3)' })
  @IfPresent()
  @IsBoolean()
  tls_client_certificate_bound_access_tokens?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'tls_client_auth: expected subject DN, RFC 4514 string' })
  @IsOptional()
  @Length(1, 1024)
  @IsString()
  tls_client_auth_subject_dn?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'tls_client_auth: expected dNSName SAN' })
  @IsOptional()
  @Length(1, 1024)
  @IsString()
  tls_client_auth_san_dns?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'tls_client_auth: expected uniformResourceIdentifier SAN' })
  @IsOptional()
  @Length(1, 1024)
  @IsString()
  tls_client_auth_san_uri?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'tls_client_auth: expected iPAddress SAN' })
  @IsOptional()
  @Length(1, 64)
  @IsString()
  tls_client_auth_san_ip?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'tls_client_auth: expected rfc822Name SAN' })
  @IsOptional()
  @Length(1, 1024)
  @IsString()
  tls_client_auth_san_email?: string | null;
}
