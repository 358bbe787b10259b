import type { ClientEntity } from '@app/clients';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { clientAddress } from './client-address';
import { type OAuthParams, oauthState } from './oauth-request';

/** The client that BasicAuthGuard authenticated. */
export const AuthenticatedClient = createParamDecorator((_: unknown, ctx: ExecutionContext): ClientEntity => {
  const client = oauthState(ctx.switchToHttp().getRequest<FastifyRequest>())?.client;
  if (!client) throw new Error('AuthenticatedClient used on a route without BasicAuthGuard');
  return client;
});

/** The endpoint parameters that BasicAuthGuard parsed. */
export const OAuthRequestParams = createParamDecorator((_: unknown, ctx: ExecutionContext): OAuthParams => {
  const params = oauthState(ctx.switchToHttp().getRequest<FastifyRequest>())?.params;
  if (!params) throw new Error('OAuthRequestParams used on a route without BasicAuthGuard');
  return params;
});

/** the authenticated client, or undefined on a grant taken without client authentication. */
export const ClientIfAuthenticated = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): ClientEntity | undefined => oauthState(ctx.switchToHttp().getRequest<FastifyRequest>())?.client,
);

/** The request's source address (the client address behind trusted proxies), the key its throttling counts under. */
export const RequestSource = createParamDecorator((_: unknown, ctx: ExecutionContext): string =>
  clientAddress(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
