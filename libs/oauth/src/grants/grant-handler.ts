import type { ClientEntity } from '@app/clients';
import type { OAuthParams } from '../client-auth';
import type { Confirmation } from '../dpop/confirmation';
import type { TokenResponse } from '../token/token-response';

/** One grant type (RFC 6749 §4), looked up by `grant_type` in the GrantRegistry. */
export interface GrantHandler {
  readonly grantType: string;
  /** `binding`: the token's `cnf` (RFC 9449 §6, RFC 8705 §3), or undefined for a bearer token. */
  handle(client: ClientEntity, params: OAuthParams, binding?: Confirmation): Promise<TokenResponse>;
  /** for a grant listed in @UnauthenticatedGrants, a request without client authentication. */
  handleUnauthenticated?(params: OAuthParams): Promise<TokenResponse>;
}

/** Multi-provider token under which every grant handler registers. */
export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');
