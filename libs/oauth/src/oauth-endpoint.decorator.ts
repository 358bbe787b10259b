import { applyDecorators, type CanActivate, Header, HttpCode, Post, type Type, UseGuards } from '@nestjs/common';
import { BasicAuthGuard } from './client-auth';
import { InvalidRequest } from './errors';

/** RFC 6749 §5.1: an answer that carries tokens or credentials is never cached. */
export function NoStore(): MethodDecorator {
  // Listed in reverse: Nest sends a method's headers in the order their decorators apply, bottom up.
  return applyDecorators(Header('Pragma', 'no-cache'), Header('Cache-Control', 'no-store'));
}

/**
 * A client-authenticated OAuth endpoint (token, introspection, revocation): POST {BASE}/oauth2/`path`, 200 and
 * never cached. BasicAuthGuard authenticates the client and parses the form first, then `guards` run in order.
 */
export function OAuthEndpoint(path: string, ...guards: Type<CanActivate>[]): MethodDecorator {
  return applyDecorators(Post(path), HttpCode(200), UseGuards(BasicAuthGuard, ...guards), NoStore());
}

/** These endpoints take POST only (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1): a GET is answered 405 naming it. */
export function refuseGet(endpoint: string): never {
  throw new InvalidRequest(`The ${endpoint} endpoint accepts POST only`, undefined, 405, { Allow: 'POST' });
}
