import { AppConfig } from '@app/config';
import { AccessTokenClaims, AccessTokenVerifier, BearerRequired, InsufficientScope, InvalidToken } from '@app/oauth';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

type AdminRequest = FastifyRequest & { adminToken?: AccessTokenClaims };

export function adminClaims(req: FastifyRequest): AccessTokenClaims | undefined {
  return (req as AdminRequest).adminToken;
}

/**
 * Protects the admin API with this server's own access tokens (RFC 6750 §2.1 bearer header): signature,
 * `typ`, issuer, expiry, revocation and the holder's current state are checked locally; `aud` must name
 * the admin API (ADMIN_AUDIENCE) and `scope` must contain ADMIN_SCOPE.
 */
@Injectable()
export class AdminBearerGuard implements CanActivate {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const realm = this.config.admin.audience;
    const header = req.headers.authorization;
    if (header === undefined || header === '') throw new BearerRequired(realm);
    const m = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!m) throw new InvalidToken(realm, 'Authorization header is not a Bearer token');
    const claims = await this.verifier.verify(m[1], { audience: this.config.admin.audience });
    if (!claims) throw new InvalidToken(realm, 'token failed verification');
    const scopes = Array.isArray(claims.scope) ? claims.scope : String(claims.scope ?? '').split(' ');
    if (!scopes.includes(this.config.admin.scope)) throw new InsufficientScope(realm, this.config.admin.scope);
    req.adminToken = claims;
    return true;
  }
}
