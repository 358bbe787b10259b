import { ClientIdTakenError, ClientNotFoundError } from '@app/clients';
import { InvalidCursorError } from '@app/persistence';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { ClientIdConflict, ClientNotFound, InvalidAdminRequest } from './admin-errors';

/** The outcomes of client administration, as the admin API reports them; anything else passes unchanged. */
export function toAdminApiError(err: unknown): unknown {
  if (err instanceof ClientNotFoundError) return new ClientNotFound(err.message);
  if (err instanceof ClientIdTakenError) return new ClientIdConflict(err.message);
  if (err instanceof InvalidCursorError) return new InvalidAdminRequest([{ field: 'cursor', message: err.message }]);
  return err;
}

@Injectable()
export class AdminErrorsInterceptor implements NestInterceptor {
  intercept(_: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((err: unknown) => throwError(() => toAdminApiError(err))));
  }
}
