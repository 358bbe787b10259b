import { HttpConfig } from '@app/config';
import { isInfrastructureError } from '@app/persistence';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setOAuthErrorCode } from './request-error-code';
import { ApiError } from './api-error';
import { InvalidRequest, ServerError, TemporarilyUnavailable } from './oauth-errors';

/** Cache-Control: no-store and Pragma: no-cache on every error (RFC 6749 §5.1, §5.2). */
export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/**
 * Turns anything thrown into an ApiError: ApiErrors as they are; framework HTTP errors (bad content type,
 * body too large, unknown route, wrong method) into invalid_request with their status; infrastructure faults
 * into 503 temporarily_unavailable; anything else into server_error, logged with its cause.
 */
export function toApiError(exception: unknown, retryAfterSeconds: number): ApiError {
  if (exception instanceof ApiError) return exception;
  if (isInfrastructureError(exception)) return new TemporarilyUnavailable(retryAfterSeconds, describe(exception));
  const status = httpStatusOf(exception);
  if (status !== undefined && status >= 400 && status < 500) {
    const headers: Record<string, string> = status === 405 ? { Allow: 'POST' } : {};
    return new InvalidRequest(clientMessage(status, exception), describe(exception), status, headers);
  }
  return new ServerError(describe(exception));
}

function httpStatusOf(e: unknown): number | undefined {
  if (e instanceof HttpException) return e.getStatus();
  const s = (e as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function clientMessage(status: number, e: unknown): string {
  switch (status) {
    case 404:
      return 'No such endpoint';
    case 405:
      return 'Method not allowed';
    case 413:
      return 'Request body too large';
    case 415:
      return 'Unsupported content type for this endpoint';
    default: {
      const code = (e as { code?: unknown })?.code;
      if (typeof code === 'string' && code.startsWith('FST_ERR_CTP')) return 'Malformed request body';
      return 'Malformed request';
    }
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

export function sendApiError(reply: FastifyReply, error: ApiError): void {
  void reply
    .status(error.status)
    .headers({ ...NO_STORE, ...error.headers, 'Content-Type': 'application/json; charset=utf-8' })
    .send(JSON.stringify(error.body()));
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  constructor(private readonly http: HttpConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const error = toApiError(exception, this.http.retryAfterSeconds);
    logApiError(this.logger, request, error, exception);
    setOAuthErrorCode(request, error.error);
    sendApiError(reply, error);
  }
}

/** Server faults are logged with their cause; client errors at debug level, with the internal reason. */
export function logApiError(logger: Logger, request: FastifyRequest, error: ApiError, cause: unknown): void {
  const path = request.url.split('?')[0];
  if (error.status >= 500) {
    const stack = cause instanceof Error && !(cause instanceof ApiError) ? cause.stack : undefined;
    logger.error(`${request.method} ${path} -> ${error.status} ${error.error}: ${error.debug ?? ''}`, stack);
  } else if (error.debug) {
    logger.debug(`${request.method} ${path} -> ${error.status} ${error.error}: ${error.debug}`);
  }
}
