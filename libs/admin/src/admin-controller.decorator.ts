import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminBearerGuard } from './admin-bearer.guard';
import { ErrorResponseDto } from './errors/error-response.dto';

/**
 * Every admin controller is declared with this, so no admin route can exist without the bearer guard and
 * every admin route lives under `admin/`.
 */
export function AdminController(path: string): ClassDecorator {
  return applyDecorators(
    Controller(`admin/${path}`),
    UseGuards(AdminBearerGuard),
    ApiBearerAuth(),
    ApiTags('admin'),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No, or an invalid, expired or revoked bearer token (RFC 6750 §3.1)' }),
    ApiForbiddenResponse({ type: ErrorResponseDto, description: `insufficient_scope: the token lacks the admin scope` }),
  );
}
