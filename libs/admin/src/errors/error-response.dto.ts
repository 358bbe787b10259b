import type { FieldProblem } from '@app/clients';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** FieldProblem as the OpenAPI document shows it. */
export class FieldProblemDto implements FieldProblem {
  @ApiProperty({ example: 'scope' }) field: string;
  @ApiProperty({ example: 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3)' }) message: string;
}

/** The error body of every admin endpoint. */
export class ErrorResponseDto {
  @ApiProperty({ example: 'invalid_client_metadata' }) error: string;
  @ApiProperty() error_description: string;
  @ApiPropertyOptional({ type: [FieldProblemDto], description: 'On 400: one entry per wrong field' }) details?: FieldProblemDto[];
}
