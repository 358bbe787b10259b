import { accessTokenLifetime, ClientDirectory, ClientEntity, FederatedClients } from '@app/clients';
import { AdminConfig, TokenConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { OAuthParams } from '../client-auth';
import { AssertionRejected } from '../client-auth/assertion/assertion-rejected';
import { mappedClaims } from '../client-auth/assertion/claim-mappings';
import { ClientAssertionAuthenticator } from '../client-auth/assertion/client-assertion.authenticator';

import { InvalidGrant, InvalidRequest, UnauthorizedClient } from '../errors';
import { AccessTokenIssuer } from '../token/access-token.issuer';
import { TokenHook } from '../token-hook/token-hook';
import { resolveAudience } from '../token/audience';
import { grantScopes, parseScope } from '../token/scope';
import { TokenResponse } from '../token/token-response';
import { GrantHandler } from './grant-handler';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * RFC 7523 §2.1 JWT bearer grant for workloads: the `assertion` is a token of a trusted issuer (a Kubernetes service
 * account, a CI job) that one client's federated credential names, checked as workload federation checks it. With
 * client authentication the assertion must match that client; without (§3.1: optional), the workload has no client
 * of its own and the credential naming the token's issuer and subject selects it (`client_id` chooses when several
 * do). Errors are invalid_grant (§3.1). Tokens carry the client's static claims and the credential's mapped claims,
 * and are never reused (the mapped claims differ per assertion).
 */
@Injectable()
export class JwtBearerGrant implements GrantHandler {
  readonly grantType = JWT_BEARER_GRANT;

  constructor(
    private readonly trusted: ClientAssertionAuthenticator,
    private readonly federated: FederatedClients,
    private readonly clients: ClientDirectory,
    private readonly issuer: AccessTokenIssuer,
    private readonly admin: AdminConfig,
    private readonly tokens: TokenConfig,
    private readonly hook: TokenHook,
  ) {}

  handle(client: ClientEntity, params: OAuthParams): Promise<TokenResponse> {
    return this.grant(client, params, assertionOf(params));
  }

  /**
   * The assertion proves itself before any client is looked up (a trusted issuer's signature, checked from
   * memory), so a stranger's junk costs no database round trip; its refusals are throttled per source like failed
   * client authentication (GrantRegistry). The credential match, audience, lifetime and jti follow in grant().
   */
  async handleUnauthenticated(params: OAuthParams): Promise<TokenResponse> {
    const assertion = assertionOf(params);
    let iss: unknown;
    let sub: unknown;
    try {
      ({ iss, sub } = decodeJwt(assertion));
    } catch {
      throw new InvalidGrant('The assertion is not a JWT');
    }
    if (typeof iss !== 'string' || typeof sub !== 'string') throw new InvalidGrant('The assertion must carry iss and sub');
    if (!(await refusedAsInvalidGrant(() => this.trusted.signedByTrustedIssuer(assertion)))) {
      throw new InvalidGrant('The assertion is not a token of a trusted issuer');
    }
    const wanted = params.single.get('client_id');
    const ids = wanted !== undefined ? [wanted] : await this.federated.idsFor(iss, sub);
    if (ids.length > 1) {
      throw new InvalidGrant('Several clients have a federated credential for this subject: name one with client_id');
    }
    const client = ids.length ? await this.clients.find(ids[0]) : null;
    if (!client || !client.enabled) throw new InvalidGrant('No client has a federated credential for this assertion');
    return this.grant(client, params, assertion);
  }

  private async grant(client: ClientEntity, params: OAuthParams, assertion: string): Promise<TokenResponse> {
    if (!client.grantTypes.includes(this.grantType)) {
      throw new UnauthorizedClient('The client is not allowed to use the JWT bearer grant');
    }
    const verified = await refusedAsInvalidGrant(() => this.trusted.verifyIssuerToken(assertion, client.federatedCredentials));
    if (!verified?.credential) throw new InvalidGrant('The assertion is not a token of a trusted issuer');
    const scopes = grantScopes(parseScope(params.single.get('scope')), client.scopes);
    const audience = resolveAudience(client, params, this.admin.audience);
    const clientTtl = accessTokenLifetime(client.accessTokenTtl, this.tokens);
    const ttl = audience === this.admin.audience ? Math.min(clientTtl, this.admin.accessTokenTtl) : clientTtl;
    const mapped = mappedClaims(verified.claims, verified.credential);
    let claims = mapped ? { ...client.tokenClaims, ...mapped } : client.tokenClaims;
    if (this.hook.appliesTo(client)) {
      claims = await this.hook.claims({
        grantType: this.grantType,
        clientId: client.clientId,
        subject: client.clientId,
        scopes,
        audience,
        claims: claims ?? {},
      });
    }
    const issued = await this.issuer.issue({
      clientId: client.clientId,
      scopes,
      audience,
      ttlSeconds: ttl,
      claims,
      clientCutoff: client.tokensRevokedBefore,
    });
    const response: TokenResponse = { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn };
    if (scopes.length) response.scope = scopes.join(' ');
    return response;
  }
}

/** RFC 7523 §3.1: an assertion that is not valid is invalid_grant, with the rule it broke. */
async function refusedAsInvalidGrant<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof AssertionRejected) throw new InvalidGrant(`The assertion was refused: ${err.description}`, err.reason);
    throw err;
  }
}

function assertionOf(params: OAuthParams): string {
  const assertion = params.single.get('assertion');
  if (assertion === undefined) throw new InvalidRequest('Missing assertion parameter (RFC 7523 §2.1)');
  return assertion;
}
