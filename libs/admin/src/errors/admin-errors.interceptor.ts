import {
  ClientIdTakenError,
  ClientMetadataError,
  ClientNotFoundError,
  ProtectedClientError,
  TrustedIssuerConflictError,
  TrustedIssuerNotFoundError,
} from '@app/clients';
import { InvalidCursorError } from '@app/persistence';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { ClientIdConflict, ClientNotFound, InvalidAdminRequest, InvalidClientMetadata } from './admin-errors';

/** The outcomes of client administration, as the admin API reports them; anything else passes unchanged. */
export function toAdminApiError(err: unknown): unknown {
  if (err instanceof ClientNotFoundError) return new ClientNotFound(err.message);
  if (err instanceof ClientIdTakenError) return new ClientIdConflict(err.message);
  if (err instanceof ProtectedClientError) return new ClientIdConflict(err.message);
  if (err instanceof ClientMetadataError) return new InvalidClientMetadata(err.problems);
  if (err instanceof TrustedIssuerNotFoundError) return new ClientNotFound(err.message);
  if (err instanceof TrustedIssuerConflictError)
    return new ClientIdConflict(err.message, err.clientIds.length ? { client_ids: err.clientIds } : {});
  if (err instanceof InvalidCursorError) return new InvalidAdminRequest([{ field: 'cursor', message: err.message }]);
  return err;
}

@Injectable()
export class AdminErrorsInterceptor implements NestInterceptor {
  intercept(_: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((err: unknown) => throwError(() => toAdminApiError(err))));
  }
}
