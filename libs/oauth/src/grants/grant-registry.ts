import { ClientEntity } from '@app/clients';
import { Inject, Injectable } from '@nestjs/common';
import { OAuthParams } from '../client-auth';
import type { Confirmation } from '../dpop/confirmation';
import { InvalidRequest, UnsupportedGrantType } from '../errors';
import { ClientAuthThrottle } from '../throttle/client-auth-throttle';
import { TokenResponse } from '../token/token-response';
import { GRANT_HANDLERS, GrantHandler } from './grant-handler';

/** Dispatches a token request to the handler registered for its grant_type. */
@Injectable()
export class GrantRegistry {
  private readonly handlers: Map<string, GrantHandler>;

  constructor(
    @Inject(GRANT_HANDLERS) handlers: GrantHandler[],
    private readonly throttle: ClientAuthThrottle,
  ) {
    this.handlers = new Map(handlers.map((h) => [h.grantType, h]));
  }

  supported(): string[] {
    return [...this.handlers.keys()];
  }

  /**
   * `caller.client` is undefined only for a grant the route takes without client authentication
   * (@UnauthenticatedGrants), whose refusals are then throttled per `caller.source` as failed client
   * authentications are; `binding`: what the token is bound to (RFC 9449, RFC 8705), decided before the grant runs.
   */
  exchange(caller: { client?: ClientEntity; source: string }, params: OAuthParams, binding?: Confirmation): Promise<TokenResponse> {
    const { client } = caller;
    const grantType = params.single.get('grant_type');
    if (grantType === undefined) throw new InvalidRequest('Missing grant_type parameter');
    const handler = this.handlers.get(grantType);
    if (!handler) throw new UnsupportedGrantType(`Unsupported grant_type "${grantType.slice(0, 64)}"`);
    if (client) return handler.handle(client, params, binding);
    if (!handler.handleUnauthenticated) throw new Error(`grant ${grantType} reached the registry without client authentication`);
    const unauthenticated = handler.handleUnauthenticated.bind(handler);
    return this.throttle.aroundUnauthenticated(caller.source, () => unauthenticated(params));
  }
}
