import { WorkAbandoned } from '@app/clients';
import { ServerConfig } from '@app/config';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { InvalidRequest } from '../errors';
import { ClientAuthThrottle } from '../throttle/client-auth-throttle';
import { abandonSignal } from './abandon-signal';
import { clientAddress } from './client-address';
import { ClientAuthenticator } from './client-authenticator';
import { extractCredentials } from './extract';
import { type OAuthParams, parseOAuthParams, setOAuthState } from './oauth-request';
import { QUERY_PARAMS_KEY } from './query-params';
import { UNAUTHENTICATED_GRANTS_KEY } from './unauthenticated-grants';

/**
 * Client authentication (RFC 6749 §2.3) for the token, introspection and revocation endpoints, as its own step
 * before any endpoint logic. The design names it BasicAuthGuard; it authenticates by every method a client can
 * register, not only HTTP Basic. It only composes the named parts, in this order:
 *   1. parse the parameters once (oauth-request.ts): the form body, and from the query string only those the
 *      route names with @ParamsFromQuery;
 *   2. extract the one method's credentials (extract/): a JWT assertion, HTTP Basic or client_secret_post, as
 *      {method, clientId, proof}, or with client_id alone the TLS client certificate (RFC 8705 §2); two at once
 *      is invalid_request, none invalid_client;
 *   3. check the proof under the throttle (ClientAuthThrottle.around → ClientAuthenticator): cheap proofs are
 *      checked before anything is refused, slow hashing is admitted first, failures are counted, 429 past the
 *      limits; work for a request whose connection closed is dropped (abandonSignal);
 *   4. store the client and the parameters on the request for the handler (oauthState).
 */
@Injectable()
export class BasicAuthGuard implements CanActivate {
  /** @ParamsFromQuery names per route handler, read once: metadata does not change after start-up. */
  private readonly queryParams = new WeakMap<object, ReadonlySet<string>>();

  constructor(
    private readonly server: ServerConfig,
    private readonly reflector: Reflector,
    private readonly throttle: ClientAuthThrottle,
    private readonly authenticator: ClientAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const params = parseOAuthParams(req, this.queryParamsOf(context));
    // RFC 7523 §3.1: a grant whose own assertion identifies the workload may come without client authentication.
    if (!presentsCredentials(req, params) && this.unauthenticatedGrant(context, params)) {
      setOAuthState(req, { params });
      return true;
    }
    const creds = extractCredentials({ authorization: req.headers.authorization, params: params.single }, this.server.issuer);
    const abandoned = abandonSignal(req);
    try {
      abandoned.throwIfAbandoned();
      const client = await this.throttle.around(creds, clientAddress(req), abandoned.signal, (opts) =>
        this.authenticator.authenticate(creds, opts, req),
      );
      // The handler signs next, with no I/O in between for a known client: not for a closed connection.
      abandoned.throwIfAbandoned();
      setOAuthState(req, { params, client });
      return true;
    } catch (err) {
      // Nobody is waiting for this answer; nginx's 499 names it in the access log.
      if (err instanceof WorkAbandoned) throw new InvalidRequest('The request was abandoned', 'connection closed by the client', 499);
      throw err;
    } finally {
      abandoned.release();
    }
  }

  /** the request's grant_type is one the route takes without client authentication. */
  private unauthenticatedGrant(context: ExecutionContext, params: OAuthParams): boolean {
    const grantType = params.single.get('grant_type');
    if (grantType === undefined) return false;
    const listed = this.reflector.get<string[] | undefined>(UNAUTHENTICATED_GRANTS_KEY, context.getHandler());
    return listed?.includes(grantType) ?? false;
  }

  private queryParamsOf(context: ExecutionContext): ReadonlySet<string> {
    const handler = context.getHandler();
    let names = this.queryParams.get(handler);
    if (!names) {
      const listed = this.reflector.getAllAndOverride<string[] | undefined>(QUERY_PARAMS_KEY, [handler, context.getClass()]);
      names = new Set(listed ?? []);
      this.queryParams.set(handler, names);
    }
    return names;
  }
}

/** Whether the request carries any client credentials at all (an Authorization header, a secret or an assertion). */
function presentsCredentials(req: FastifyRequest, params: OAuthParams): boolean {
  const p = params.single;
  return req.headers.authorization !== undefined || p.has('client_secret') || p.has('client_assertion') || p.has('client_assertion_type');
}
