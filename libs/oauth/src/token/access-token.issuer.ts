import { AppConfig, Clock } from '@app/config';
import { KeysService } from '@app/keys';
import { Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';

export interface AccessTokenRequest {
  clientId: string;
  scopes: readonly string[];
  audience: string | string[];
  ttlSeconds: number;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  /** The signing key's id. */
  kid: string;
  /** Seconds since the epoch. */
  iat: number;
  expiresIn: number;
}

/**
 * Signs JWT access tokens in the RFC 9068 profile: header `typ: at+jwt`, `kid`; claims iss, sub, aud,
 * client_id, scope, jti, iat, nbf, exp. Nothing is stored per token.
 */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    private readonly keys: KeysService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async issue(req: AccessTokenRequest): Promise<IssuedAccessToken> {
    const signer = this.keys.activeSigner();
    const iat = this.clock.nowSeconds();
    const jti = randomBytes(16).toString('base64url');
    // RFC 9068 §2.2.3: scope is a space-delimited string; the array form matches Spring-issued tokens.
    const scope = this.config.tokens.scopeFormat === 'array' ? [...req.scopes] : req.scopes.join(' ');
    const token = await new SignJWT({ client_id: req.clientId, scope })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'at+jwt' })
      .setIssuer(this.config.issuer)
      .setSubject(req.clientId)
      .setAudience(req.audience)
      .setJti(jti)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + req.ttlSeconds)
      .sign(signer.key);
    return { token, jti, kid: signer.kid, iat, expiresIn: req.ttlSeconds };
  }
}
