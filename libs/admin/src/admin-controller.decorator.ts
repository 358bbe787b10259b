import { applyDecorators, Controller, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminBearerGuard } from './admin-bearer.guard';
import { AdminAuditContextInterceptor } from './audit/admin-audit-context.interceptor';
import { AdminErrorsInterceptor } from './errors/admin-errors.interceptor';
import { ErrorResponseDto } from './errors/error-response.dto';

/**
 * Every admin controller is declared with this, so no admin route can exist without the bearer guard and
 * every admin route lives under `admin/`, every change it makes is audited with its route, and every error it
 * answers has the admin API's shape.
 */
export function AdminController(path: string): ClassDecorator {
  return applyDecorators(
    Controller(`admin/${path}`),
    UseGuards(AdminBearerGuard),
    // Errors of client administration become admin API errors (404, 409, 400 naming the field). Audit rows name
    // the route (admin API) and the token; a route that sets its own context (apply) overrides it.
    UseInterceptors(AdminErrorsInterceptor, AdminAuditContextInterceptor),
    ApiBearerAuth(),
    ApiTags('admin'),
    ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'No, or an invalid, expired or revoked bearer token (RFC 6750 §3.1)' }),
    ApiForbiddenResponse({ type: ErrorResponseDto, description: `insufficient_scope: the token lacks the admin scope` }),
  );
}
