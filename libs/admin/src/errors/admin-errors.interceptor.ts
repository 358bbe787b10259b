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
import {
  ClientIdConflict,
  ClientNotFound,
  InvalidAdminRequest,
  InvalidClientMetadata,
  ProtectedClientChange,
  TrustedIssuerConflict,
  TrustedIssuerNotFound,
} from './admin-errors';

/** Outcomes of client and trusted-issuer administration as the admin API reports them; others pass unchanged. */
export function toAdminApiError(err: unknown): unknown {
  if (err instanceof ClientNotFoundError) return new ClientNotFound(err.message);
  if (err instanceof ClientIdTakenError) return new ClientIdConflict(err.message);
  if (err instanceof ProtectedClientError) return new ProtectedClientChange(err.message);
  if (err instanceof ClientMetadataError) return new InvalidClientMetadata(err.problems);
  if (err instanceof TrustedIssuerNotFoundError) return new TrustedIssuerNotFound(err.message);
  if (err instanceof TrustedIssuerConflictError) return new TrustedIssuerConflict(err.message, err.clientIds);
  if (err instanceof InvalidCursorError) return new InvalidAdminRequest([{ field: 'cursor', message: err.message }]);
  return err;
}

@Injectable()
export class AdminErrorsInterceptor implements NestInterceptor {
  intercept(_: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((err: unknown) => throwError(() => toAdminApiError(err))));
  }
}
