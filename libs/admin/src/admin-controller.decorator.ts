import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminBearerGuard } from './admin-bearer.guard';

/**
 * Every admin controller is declared with this, so no admin route can exist without the bearer guard and
 * every admin route lives under `admin/`.
 */
export function AdminController(path: string): ClassDecorator {
  return applyDecorators(Controller(`admin/${path}`), UseGuards(AdminBearerGuard), ApiBearerAuth(), ApiTags('admin'));
}
