import { CLIENT_TOPIC } from '@app/clients';
import { AppConfig } from '@app/config';
import { KEYS_TOPIC, KeysService } from '@app/keys';
import { ALL_KEYS, ChangeFeed } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { parseRevocationKey, REVOCATION_TOPIC } from '../revocation/revocation.store';
import { AccessTokenIssuer, AccessTokenRequest, IssuedAccessToken } from '../token/access-token.issuer';
import { Clock } from '@app/config';
import { reuseKey, TokenReuseStore } from './token-reuse.store';
import { confirmationKey } from '../dpop/confirmation';

/**
 * TOKEN_REUSE_SECONDS: a client that repeats an identical token request (same client, scope set, `aud`)
 * within N seconds of issuance gets the same token back with its remaining lifetime as `expires_in`, at the
 * cost of a map lookup instead of a signature. Called only after full client authentication. Never for
 * admin tokens, and not for a client whose token lifetime is shorter than 2 N (the global setting is
 * refused at start when N exceeds half of ACCESS_TOKEN_TTL). Entries are dropped on the token's revocation,
 * any change to its client (token cut-off included), and any key change, through the change feed: at once
 * here, within one poll interval on the other instances.
 */
@Injectable()
export class TokenReuse {
  private readonly store = new TokenReuseStore();
  private readonly seconds: number;

  constructor(
    private readonly issuer: AccessTokenIssuer,
    private readonly keys: KeysService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    feed: ChangeFeed,
  ) {
    this.seconds = config.tokens.reuseSeconds;
    if (this.seconds === 0) return;
    feed.subscribe(CLIENT_TOPIC, (id) => (id === ALL_KEYS ? this.store.clear() : this.store.dropClient(id)));
    feed.subscribe(KEYS_TOPIC, () => this.store.clear());
    feed.subscribe(REVOCATION_TOPIC, (key) => {
      const parsed = key === ALL_KEYS ? undefined : parseRevocationKey(key);
      if (parsed) this.store.dropToken(parsed.jti);
      else this.store.clear();
    });
  }

  /** A new token, or the one issued for the identical request within the reuse window. */
  async issue(req: AccessTokenRequest): Promise<IssuedAccessToken> {
    if (!this.applies(req)) return this.issuer.issue(req);
    // Sender-constrained tokens: the binding is part of "identical", so bindings never mix.
    const key = `${reuseKey(req.clientId, req.scopes, req.audience)}\u0000${confirmationKey(req.cnf)}`;
    const now = this.clock.nowSeconds();
    const kid = this.keys.activeSigner().kid;
    const hit = this.store.find(key, now, kid);
    if (hit) return { token: hit.token, jti: hit.jti, kid: hit.kid, iat: hit.iat, expiresIn: hit.exp - now };
    const epoch = this.store.epoch;
    const issued = await this.issuer.issue(req);
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
    const admin = this.config.admin;
    if (req.scopes.includes(admin.scope)) return false;
    return typeof req.audience === 'string' ? req.audience !== admin.audience : !req.audience.includes(admin.audience);
  }
}
