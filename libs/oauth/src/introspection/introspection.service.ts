import { ClientEntity } from '@app/clients';
import { Injectable } from '@nestjs/common';
import { OAuthParams } from '../client-auth';
import type { Confirmation } from '../dpop/confirmation';
import { InvalidRequest } from '../errors';
import { AccessTokenClaims, AccessTokenVerifier } from '../token/access-token.verifier';
import { IntrospectionResponse } from './introspection-response';

const INACTIVE: IntrospectionResponse = { active: false };

/**
 * RFC 7662 token introspection for the access tokens this server issues. Anything that is not an active
 * token of ours (expired, revoked, of a disabled or deleted client, foreign issuer, bad signature, garbage)
 * is `{active: false}`, never an error (§2.2).
 */
@Injectable()
export class IntrospectionService {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async introspect(caller: ClientEntity, params: OAuthParams): Promise<IntrospectionResponse> {
    const token = params.single.get('token');
    if (token === undefined) throw new InvalidRequest('Missing token parameter (RFC 7662 §2.1)');
    // token_type_hint is ignored: only access tokens exist here, and §2.1 has the server search all types anyway.
    const claims = await this.verifier.verify(token);
    if (!claims) return INACTIVE;
    // §4 token scanning: a client learns about its own tokens only, unless an admin granted it more.
    if (claims.client_id !== caller.clientId && !caller.introspectAny) return INACTIVE;
    return describe(claims);
  }
}

function describe(claims: AccessTokenClaims): IntrospectionResponse {
  const scope = Array.isArray(claims.scope) ? claims.scope.join(' ') : claims.scope;
  return {
    active: true,
    client_id: claims.client_id,
    ...(scope ? { scope } : {}),
    token_type: isDpopBound(claims.cnf) ? 'DPoP' : 'Bearer',
    exp: claims.exp,
    iat: claims.iat,
    ...(claims.nbf !== undefined ? { nbf: claims.nbf } : {}),
    sub: claims.sub,
    ...(claims.aud !== undefined ? { aud: claims.aud } : {}),
    iss: claims.iss,
    jti: claims.jti,
    ...(claims.act !== undefined ? { act: claims.act } : {}),
    ...(isConfirmation(claims.cnf) ? { cnf: claims.cnf } : {}),
  };
}

function isConfirmation(cnf: unknown): cnf is Confirmation {
  if (typeof cnf !== 'object' || cnf === null) return false;
  const c = cnf as Record<string, unknown>;
  return typeof c.jkt === 'string' || typeof c['x5t#S256'] === 'string';
}

function isDpopBound(cnf: unknown): boolean {
  return isConfirmation(cnf) && 'jkt' in cnf;
}
