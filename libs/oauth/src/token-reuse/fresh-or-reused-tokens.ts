import { ClientDirectory, type ClientEntity, isCutOff } from '@app/clients';
import { AdminConfig, Clock, TokenConfig } from '@app/config';
import { KEYS_TOPIC, KeysService } from '@app/keys';
import { ALL_KEYS, ChangeFeed } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { REVOCATION_TOPIC } from '../revocation/revocation.store';
import { AccessTokenIssuer, AccessTokenRequest, IssuedAccessToken } from '../token/access-token.issuer';
import { reuseKey, TokenReuseStore } from './token-reuse.store';
import { confirmationKey } from '../dpop/confirmation';

/**
 * TOKEN_REUSE_SECONDS: a client that repeats an identical token request (same client, scope set, `aud`)
 * within N seconds of issuance gets the same token back with its remaining lifetime as `expires_in`, at the
 * cost of a map lookup instead of a signature. Called only after full client authentication. Never for
 * admin tokens, and not for a client whose token lifetime is shorter than 2 N (the global setting is
 * refused at start when N exceeds half of ACCESS_TOKEN_TTL). Entries are dropped on the token's revocation,
 * any change to its client (token cut-off included), and any key change, through the change feed: at once
 * here, within one poll interval on the other instances. Whatever the feed's timing, the reuse key includes the
 * client row's version (updated_at), so a request authenticated against a changed row never matches a token
 * made for the old one, and a token at or before the client's cut-off is neither stored nor served. With reuse off
 * (TOKEN_REUSE_SECONDS=0, the default) or not applying, every token is fresh; the wait past a cut-off applies alike.
 */
@Injectable()
export class FreshOrReusedTokens {
  private readonly store = new TokenReuseStore();
  private readonly seconds: number;

  constructor(
    private readonly issuer: AccessTokenIssuer,
    private readonly keys: KeysService,
    private readonly clock: Clock,
    tokens: TokenConfig,
    private readonly admin: AdminConfig,
    feed: ChangeFeed,
    directory: ClientDirectory,
  ) {
    this.seconds = tokens.reuseSeconds;
    if (this.seconds === 0) return;
    directory.onChange((id) => (id === ALL_KEYS ? this.store.clear() : this.store.dropClient(id)));
    feed.subscribe(KEYS_TOPIC, () => this.store.clear());
    feed.subscribe(REVOCATION_TOPIC, (key) => {
      if (key === ALL_KEYS) this.store.clear();
      else this.store.dropToken(key.jti);
    });
  }

  /**
   * A new token, or the one issued for the identical request of the same client row within the reuse window and
   * after its cut-off (a new one waits past the cut-off's second: AccessTokenIssuer).
   */
  async issue(req: AccessTokenRequest, client: Pick<ClientEntity, 'tokensRevokedBefore' | 'updatedAt'>): Promise<IssuedAccessToken> {
    if (!this.applies(req)) return this.issuer.issue(req);
    // The binding is part of "identical" (bindings never mix), and so is the client row's version.
    const key = `${reuseKey(req.clientId, req.scopes, req.audience, client.updatedAt.getTime())}\u0000${confirmationKey(req.cnf)}`;
    const now = this.clock.nowSeconds();
    const kid = this.keys.activeSigner().kid;
    const hit = this.store.find(key, now, kid);
    if (hit && !isCutOff(client, hit.iat)) return { token: hit.token, jti: hit.jti, kid: hit.kid, iat: hit.iat, expiresIn: hit.exp - now };
    const epoch = this.store.epoch;
    const issued = await this.issuer.issue(req);
    if (isCutOff(client, issued.iat)) return issued;
    const exp = issued.iat + issued.expiresIn;
    this.store.remember(
      key,
      {
        token: issued.token,
        jti: issued.jti,
        clientId: req.clientId,
        kid: issued.kid,
        iat: issued.iat,
        exp,
        reuseUntil: issued.iat + this.seconds,
      },
      epoch,
      now,
    );
    return issued;
  }

  private applies(req: AccessTokenRequest): boolean {
    if (this.seconds === 0 || this.seconds * 2 > req.ttlSeconds) return false;
    // Admin tokens always come fresh: they carry the admin scope or name the admin API as audience.
    const admin = this.admin;
    if (req.scopes.includes(admin.scope)) return false;
    return typeof req.audience === 'string' ? req.audience !== admin.audience : !req.audience.includes(admin.audience);
  }
}
