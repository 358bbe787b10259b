import { accessTokenLifetime, ClientEntity } from '@app/clients';
import { AdminConfig, Clock, ServerConfig, TokenConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { OAuthParams } from '../client-auth';
import { InvalidRequest, InvalidTarget, UnauthorizedClient } from '../errors';
import {
  actClaim,
  actDepth,
  checkMayAct,
  exchangedScopes,
  ISSUED_TOKEN_TYPES,
  MAX_DELEGATION_DEPTH,
  TOKEN_TYPE,
  type TokenParty,
} from '../token-exchange/exchange-policy';
import { ExchangeTokens } from '../token-exchange/exchange-tokens';
import { AccessTokenIssuer } from '../token/access-token.issuer';
import { TokenHook } from '../token-hook/token-hook';
import { resolveAudience } from '../token/audience';
import { parseScope } from '../token/scope';
import { TokenResponse } from '../token/token-response';
import { GrantHandler } from './grant-handler';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * RFC 8693 token exchange, for delegation between services: the authenticated client presents a token it received
 * (subject_token) and gets one for the next hop, narrowed to an audience and scopes its `token_exchange` policy
 * allows and the subject token had, carrying the subject as `sub` and the client (or the actor_token's subject) as
 * `act`, prior actors nested. The new token never outlives the subject token, and derives from it: revoking or
 * cutting off the subject token cuts it off too (`exchanged_from`, checked by AccessTokenVerifier). Never reused
 * (TOKEN_REUSE_SECONDS): each carries its own subject.
 */
@Injectable()
export class TokenExchangeGrant implements GrantHandler {
  readonly grantType = TOKEN_EXCHANGE_GRANT;

  constructor(
    private readonly tokens: ExchangeTokens,
    private readonly issuer: AccessTokenIssuer,
    private readonly server: ServerConfig,
    private readonly admin: AdminConfig,
    private readonly lifetimes: TokenConfig,
    private readonly clock: Clock,
    private readonly hook: TokenHook,
  ) {}

  async handle(client: ClientEntity, params: OAuthParams): Promise<TokenResponse> {
    const policy = client.tokenExchange;
    if (!client.grantTypes.includes(this.grantType) || !policy) {
      throw new UnauthorizedClient('The client is not allowed to exchange tokens (grant type and token_exchange policy)');
    }
    const p = params.single;
    const requestedType = p.get('requested_token_type') ?? TOKEN_TYPE.accessToken;
    if (!ISSUED_TOKEN_TYPES.includes(requestedType)) {
      throw new InvalidRequest(`requested_token_type must be one of ${ISSUED_TOKEN_TYPES.join(', ')} (RFC 8693 §3)`);
    }
    const subject = await this.tokens.resolve(required(p, 'subject_token'), required(p, 'subject_token_type'), 'subject_token');
    const actor = await this.actor(client, p);
    checkMayAct(subject, actor);

    const act = actClaim(actor, this.server.issuer, subject.act);
    const chain = subject.chain ?? [];
    if (actDepth(act) > MAX_DELEGATION_DEPTH || chain.length > MAX_DELEGATION_DEPTH) {
      throw new InvalidRequest(`The subject token was exchanged too often already (at most ${MAX_DELEGATION_DEPTH} hops)`);
    }
    const audience = resolveAudience({ ...client, audiences: policy.audiences }, params);
    const admin = this.admin;
    if (audience === admin.audience || (Array.isArray(audience) && audience.includes(admin.audience))) {
      throw new InvalidTarget('Tokens for the admin API are not issued by token exchange');
    }
    const scopes = exchangedScopes(parseScope(p.get('scope')), subject.scopes, policy).filter((s) => s !== admin.scope);
    const remaining = subject.exp - this.clock.nowSeconds();
    const ttl = Math.min(accessTokenLifetime(client.accessTokenTtl, this.lifetimes), remaining);
    if (ttl <= 0) throw new InvalidRequest('The subject_token has expired');

    // The subject's own claims (a token of this server: its client's static claims) describe the subject still.
    let claims: Record<string, unknown> = { ...subject.claims, act, ...(chain.length ? { exchanged_from: chain } : {}) };
    if (this.hook.appliesTo(client)) {
      claims = await this.hook.claims({
        grantType: this.grantType,
        clientId: client.clientId,
        subject: subject.sub,
        scopes,
        audience,
        claims,
      });
    }
    const issued = await this.issuer.issue({
      clientId: client.clientId,
      subject: subject.sub,
      scopes,
      audience,
      ttlSeconds: ttl,
      claims,
      clientCutoff: client.tokensRevokedBefore,
    });
    const response: TokenResponse = {
      access_token: issued.token,
      issued_token_type: requestedType,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
    };
    if (scopes.length) response.scope = scopes.join(' ');
    return response;
  }

  /** RFC 8693 §2.1: the actor_token's subject acts, else the client itself. */
  private async actor(client: ClientEntity, p: ReadonlyMap<string, string>): Promise<Pick<TokenParty, 'sub' | 'iss'>> {
    const token = p.get('actor_token');
    const type = p.get('actor_token_type');
    if (token === undefined && type === undefined) return { sub: client.clientId, iss: this.server.issuer };
    if (token === undefined || type === undefined) {
      throw new InvalidRequest('actor_token and actor_token_type go together (RFC 8693 §2.1)');
    }
    return this.tokens.resolve(token, type, 'actor_token');
  }
}

function required(p: ReadonlyMap<string, string>, name: string): string {
  const v = p.get(name);
  if (v === undefined) throw new InvalidRequest(`Missing ${name} parameter (RFC 8693 §2.1)`);
  return v;
}
