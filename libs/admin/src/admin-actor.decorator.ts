import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { adminClaims } from './admin-bearer.guard';

/** The client_id of the admin token that authorised the request (set by AdminBearerGuard), for the audit trail. */
export const AdminActor = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const claims = adminClaims(ctx.switchToHttp().getRequest<FastifyRequest>());
  if (!claims) throw new Error('AdminActor used on a route without AdminBearerGuard');
  return claims.client_id;
});
