import { AdminConfig } from '@app/config';
import { AccessTokenClaims, AccessTokenVerifier, BearerRequired, InsufficientScope, InvalidToken } from '@app/oauth';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

type AdminRequest = FastifyRequest & { adminToken?: AccessTokenClaims };

export function adminClaims(req: FastifyRequest): AccessTokenClaims | undefined {
  return (req as AdminRequest).adminToken;
}

/**
 * Protects the admin API with this server's own access tokens (RFC 6750 §2.1 bearer header): signature,
 * `typ`, issuer, expiry, revocation, the holder's token cut-off and current state are checked locally; `aud`
 * must name the admin API (ADMIN_AUDIENCE) and `scope` must contain ADMIN_SCOPE. The token follows its
 * holder: the holder must still have the admin scope and audience registered, and a token whose lifetime
 * exceeds ADMIN_ACCESS_TOKEN_TTL (issued before that cap was lowered) is refused.
 */
@Injectable()
export class AdminBearerGuard implements CanActivate {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly admin: AdminConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const realm = this.admin.audience;
    const header = req.headers.authorization;
    if (header === undefined || header === '') throw new BearerRequired(realm);
    const m = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!m) throw new InvalidToken(realm, 'Authorization header is not a Bearer token');
    const verified = await this.verifier.verifyWithClient(m[1], { audience: this.admin.audience });
    if (!verified) throw new InvalidToken(realm, 'token failed verification');
    const { claims, client } = verified;
    if (claims.exp - claims.iat > this.admin.accessTokenTtl) throw new InvalidToken(realm, 'token outlives ADMIN_ACCESS_TOKEN_TTL');
    if (!client.audiences.includes(this.admin.audience)) throw new InvalidToken(realm, 'the holder no longer has the admin audience');
    const scopes = Array.isArray(claims.scope) ? claims.scope : String(claims.scope ?? '').split(' ');
    if (!scopes.includes(this.admin.scope) || !client.scopes.includes(this.admin.scope)) {
      throw new InsufficientScope(realm, this.admin.scope);
    }
    req.adminToken = claims;
    return true;
  }
}
