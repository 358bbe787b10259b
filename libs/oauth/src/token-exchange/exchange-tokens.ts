import { RESERVED_TOKEN_CLAIMS } from '@app/clients';
import { ServerConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { AssertionRejected } from '../client-auth/assertion/assertion-rejected';
import { ClientAssertionAuthenticator } from '../client-auth/assertion/client-assertion.authenticator';
import { InvalidRequest } from '../errors';
import { AccessTokenVerifier } from '../token/access-token.verifier';
import { SUBJECT_TOKEN_TYPES, type TokenParty } from './exchange-policy';

/**
 * The subject and actor tokens of a token exchange (RFC 8693 §2.1): an access token of this server, checked as
 * introspection checks it (signature, expiry, revocation, its client's cut-off, the tokens it derives from), or a
 * JWT of a trusted issuer, checked as workload federation checks it. Anything else is invalid_request (§2.2.2).
 */
@Injectable()
export class ExchangeTokens {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly trusted: ClientAssertionAuthenticator,
    private readonly server: ServerConfig,
  ) {}

  async resolve(token: string, type: string, role: 'subject_token' | 'actor_token'): Promise<TokenParty> {
    if (!SUBJECT_TOKEN_TYPES.includes(type)) {
      throw new InvalidRequest(`${role}_type must be one of ${SUBJECT_TOKEN_TYPES.join(', ')} (RFC 8693 §3)`);
    }
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new InvalidRequest(`The ${role} is not a JWT`);
    }
    return iss === this.server.issuer ? this.ours(token, role) : this.foreign(token, role);
  }

  private async ours(token: string, role: string): Promise<TokenParty> {
    const verified = await this.verifier.verifyWithClient(token);
    if (!verified) throw new InvalidRequest(`The ${role} is invalid, expired or revoked`);
    const c = verified.claims;
    const scopes = Array.isArray(c.scope) ? c.scope.map(String) : typeof c.scope === 'string' ? c.scope.split(' ').filter(Boolean) : [];
    const prior = Array.isArray(c.exchanged_from) ? (c.exchanged_from as TokenParty['chain'] & object) : [];
    const claims = Object.fromEntries(Object.entries(c).filter(([name]) => !RESERVED_TOKEN_CLAIMS.has(name)));
    return {
      sub: c.sub,
      iss: c.iss,
      scopes,
      exp: c.exp,
      ...(isObject(c.act) ? { act: c.act } : {}),
      ...(isObject(c.may_act) ? { mayAct: c.may_act } : {}),
      chain: [...prior, { client_id: c.client_id, jti: c.jti, iat: c.iat }],
      claims,
    };
  }

  private async foreign(token: string, role: string): Promise<TokenParty> {
    let verified: Awaited<ReturnType<ClientAssertionAuthenticator['verifyIssuerToken']>>;
    try {
      verified = await this.trusted.verifyIssuerToken(token);
    } catch (err) {
      if (err instanceof AssertionRejected) throw new InvalidRequest(`The ${role} was refused: ${err.description}`, err.reason);
      throw err;
    }
    if (!verified) throw new InvalidRequest(`The ${role} is neither a token of this server nor of a trusted issuer`);
    const c = verified.claims;
    const scope = typeof c.scope === 'string' ? c.scope.split(' ').filter(Boolean) : [];
    return {
      sub: String(c.sub),
      iss: String(c.iss),
      scopes: scope,
      exp: Number(c.exp),
      ...(isObject(c.act) ? { act: c.act } : {}),
      ...(isObject(c.may_act) ? { mayAct: c.may_act } : {}),
    };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
