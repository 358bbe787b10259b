import { withAuditContext } from '@app/persistence';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { adminClaims } from '../admin-bearer.guard';

/**
 * Every change made through an admin route is audited as `via: admin_api` with the admin token's `jti`. The
 * handler is subscribed inside the context, so every promise it starts inherits it.
 */
@Injectable()
export class AdminAuditContextInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const claims = adminClaims(ctx.switchToHttp().getRequest<FastifyRequest>());
    return new Observable((subscriber) =>
      withAuditContext({ via: 'admin_api', tokenId: claims?.jti }, () => next.handle().subscribe(subscriber)),
    );
  }
}
