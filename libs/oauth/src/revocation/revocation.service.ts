import { ClientEntity } from '@app/clients';
import { Clock, RevocationConfig, ThrottleConfig } from '@app/config';
import { Injectable, Logger } from '@nestjs/common';
import { OAuthParams } from '../client-auth';
import { InvalidRequest, TooManyRequests, UnauthorizedClient } from '../errors';
import { TokenBuckets } from '../throttle/token-buckets';
import { AccessTokenVerifier } from '../token/access-token.verifier';
import { RevocationStore } from './revocation.store';

/**
 * RFC 7009 token revocation for this server's JWT access tokens: the token's `jti` is kept in the
 * RevocationStore until the token would have expired, and every verification (introspection, admin
 * guard, on every instance) consults it.
 *
 * Every new revocation grows the in-memory revoked set of every instance until the token expires, and past the
 * set's bound each verification asks the database; so new revocations are rate-limited per client
 * (REVOCATION_BURST, REVOCATION_PER_MINUTE), and repeating one costs nothing.
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);
  /** New revocations per client id; only authenticated clients reach it, so its keys are registered ids. */
  private readonly perClient: TokenBuckets;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly store: RevocationStore,
    { burst, perMinute }: RevocationConfig,
    throttle: ThrottleConfig,
    clock: Clock,
  ) {
    this.perClient = new TokenBuckets(burst, perMinute, throttle.maxTracked, () => clock.now());
  }

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
    // §2.2: revoking a revoked token succeeds; it is neither written again nor counted against the limit.
    if (this.store.knows(claims.jti)) return;
    const id = caller.clientId;
    if (this.perClient.level(id) < 1) {
      throw new TooManyRequests(this.perClient.secondsUntilToken(id), `client ${id} is over its revocation limit`);
    }
    // Spent before the write, so concurrent requests cannot all pass; given back when nothing was written.
    this.perClient.add(id, -1);
    let revoked = false;
    try {
      revoked = await this.store.revoke(claims.jti, claims.client_id, new Date(claims.exp * 1000));
    } finally {
      if (!revoked) this.perClient.add(id, 1);
    }
    if (revoked) this.logger.log(`client ${id} revoked access token ${claims.jti}`);
  }
}
