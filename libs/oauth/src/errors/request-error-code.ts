import type { FastifyRequest } from 'fastify';

type WithErrorCode = FastifyRequest & { oauthError?: string };

/** The RFC 6749 §5.2 error code this request was answered with (set by the error filter, read by metrics). */
export function oauthErrorCode(req: FastifyRequest): string | undefined {
  return (req as WithErrorCode).oauthError;
}

export function setOAuthErrorCode(req: FastifyRequest, code: string): void {
  (req as WithErrorCode).oauthError = code;
}
