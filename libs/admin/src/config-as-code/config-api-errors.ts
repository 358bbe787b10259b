import { HttpConfig } from '@app/config';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { ApiError, toApiError } from '@app/oauth';
import { toAdminApiError } from '../errors/admin-errors.interceptor';
import { ManagedElsewhere } from '../errors/admin-errors';
import { ManagedElsewhereError } from './config-errors';
import { ApplyFailedError } from './clients-as-code.service';

/**
 * The outcomes of plan and apply as the admin API reports them. A failed apply answers the failed change's own
 * error (its status and body) plus `changes`, the changes made before it (with the secrets of created clients,
 * which are shown nowhere else), and `failed_change`; anything else passes to the admin mapping unchanged.
 */
export function toConfigApiError(err: unknown, retryAfterSeconds: number): unknown {
  if (err instanceof ManagedElsewhereError) {
    return new ManagedElsewhere(
      err.message,
      err.owners.map((o) => o.client_id),
    );
  }
  if (err instanceof ApplyFailedError) {
    const mapped = toAdminApiError(err.cause);
    const cause = mapped instanceof ApiError ? mapped : toApiError(mapped, retryAfterSeconds);
    const description = `${err.failed.action} ${err.failed.kind} "${err.failed.id}" failed after ${err.applied.length} change(s): ${cause.description}`;
    return new ApiError(cause.error, cause.status, description, cause.debug, cause.headers, {
      ...cause.extra,
      changes: err.applied,
      failed_change: err.failed,
    });
  }
  return toAdminApiError(err);
}

@Injectable()
export class ConfigErrorsInterceptor implements NestInterceptor {
  constructor(private readonly http: HttpConfig) {}

  intercept(_: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((err: unknown) => throwError(() => toConfigApiError(err, this.http.retryAfterSeconds))));
  }
}
