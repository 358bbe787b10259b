import { ClientEntity } from '@app/clients';
import { Injectable, Logger } from '@nestjs/common';
import { OAuthParams } from '../client-auth';
import { InvalidRequest, UnauthorizedClient } from '../errors';
import { AccessTokenVerifier } from '../token/access-token.verifier';
import { RevocationStore } from './revocation.store';

/**
 * RFC 7009 token revocation for this server's JWT access tokens: the token's `jti` is kept in the
 * RevocationStore until the token would have expired, and every verification (introspection, admin
 * guard, on every instance) consults it.
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly store: RevocationStore,
  ) {}

  async revoke(caller: ClientEntity, params: OAuthParams): Promise<void> {
    const token = params.single.get('token');
    if (token === undefined) throw new InvalidRequest('Missing token parameter (RFC 7009 §2.1)');
    // token_type_hint is ignored (§2.1 lets the server do so): only access tokens exist here, so a hint
    // can neither narrow the search nor name a type we would refuse with unsupported_token_type.
    const claims = await this.verifier.verifySignature(token);
    // §2.2: an invalid, expired or unknown token needs no revocation and is answered 200 like a success.
    if (!claims) return;
    // §2.1: the server verifies that the token was issued to the requesting client, and refuses otherwise.
    if (claims.client_id !== caller.clientId) {
      throw new UnauthorizedClient(
        'The token was not issued to this client',
        `client ${caller.clientId} tried to revoke a token of ${claims.client_id}`,
      );
    }
    await this.store.revoke(claims.jti, claims.client_id, new Date(claims.exp * 1000));
    this.logger.log(`client ${caller.clientId} revoked access token ${claims.jti}`);
  }
}
