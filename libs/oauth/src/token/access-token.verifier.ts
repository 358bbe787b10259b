import { ClientDirectory, type ClientEntity, isCutOff } from '@app/clients';
import { Clock, ServerConfig, SIGNING_ALGS } from '@app/config';
import { KeysService } from '@app/keys';
import { Injectable } from '@nestjs/common';
import { errors, JWTPayload, jwtVerify } from 'jose';
import { RevocationStore } from '../revocation/revocation.store';

/** The claims of an access token this server issued and still honours. */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  client_id: string;
  jti: string;
  exp: number;
  iat: number;
  scope?: string | string[];
  /** RFC 8693 §4.1: who acts on behalf of `sub` in an exchanged token. */
  act?: unknown;
  /** The tokens of this server an exchanged token derives from, oldest first (see SubjectLink). */
  exchanged_from?: unknown;
}

/**
 * A token of this server that another was exchanged from (RFC 8693): enough to tell, at every later check, whether
 * it was revoked or its client's tokens were cut off, which cuts off what was exchanged from it too.
 */
export interface SubjectLink {
  client_id: string;
  jti: string;
  iat: number;
}

function isSubjectChain(v: unknown): v is SubjectLink[] {
  return (
    Array.isArray(v) &&
    v.every(
      (l: Partial<SubjectLink> | null) =>
        typeof l === 'object' && l !== null && typeof l.client_id === 'string' && typeof l.jti === 'string' && typeof l.iat === 'number',
    )
  );
}

/** An active token and its holder as stored now. */
export interface VerifiedToken {
  claims: AccessTokenClaims;
  client: ClientEntity;
}

export interface VerifyOptions {
  /** Require this value in `aud`. */
  audience?: string;
}

/**
 * Local verification of this server's access tokens (RFC 9068 §4): signature against our own keys,
 * `typ: at+jwt`, issuer, lifetime; then that the token is not revoked and that its client still exists,
 * is enabled, was not re-created after the token was issued, and had not its tokens cut off since. Returns null for anything that is not
 * an active token, and throws only on infrastructure faults.
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    private readonly keys: KeysService,
    private readonly clients: ClientDirectory,
    private readonly revocations: RevocationStore,
    private readonly server: ServerConfig,
    private readonly clock: Clock,
  ) {}

  /** Signature and claims only (no storage access). */
  async verifySignature(token: string, options: VerifyOptions = {}): Promise<AccessTokenClaims | null> {
    if (typeof token !== 'string' || token.length > 16384 || token.split('.').length !== 3) return null;
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? this.keys.verificationKey(header.kid) : undefined;
          if (!key) throw new errors.JWKSNoMatchingKey();
          return key;
        },
        {
          issuer: this.server.issuer,
          typ: 'at+jwt',
          algorithms: [...SIGNING_ALGS],
          audience: options.audience,
          currentDate: new Date(this.clock.nowSeconds() * 1000),
          requiredClaims: ['iss', 'sub', 'exp', 'iat', 'jti', 'client_id'],
        },
      );
      if (typeof payload.client_id !== 'string' || typeof payload.jti !== 'string') return null;
      return payload as AccessTokenClaims;
    } catch (err) {
      if (err instanceof errors.JOSEError || err instanceof TypeError) return null;
      throw err;
    }
  }

  /** Full check: signature, claims, revocation, and the client's current state. */
  async verify(token: string, options: VerifyOptions = {}): Promise<AccessTokenClaims | null> {
    return (await this.verifyWithClient(token, options))?.claims ?? null;
  }

  /**
   * As verify(), also returning the holder's current row (from the ClientDirectory: a change reaches every instance
   * within one change-feed poll). A token this server signed proves its client was registered, so the row is looked
   * up even when this instance has not heard of the id yet.
   */
  async verifyWithClient(token: string, options: VerifyOptions = {}): Promise<VerifiedToken | null> {
    const claims = await this.verifySignature(token, options);
    if (!claims) return null;
    if (await this.revocations.isRevoked(claims.jti)) return null;
    const client = await this.clients.find(claims.client_id, { known: true });
    if (!client || !client.enabled) return null;
    if (Math.floor(client.createdAt.getTime() / 1000) > claims.iat) return null;
    if (isCutOff(client, claims.iat)) return null;
    if (claims.exchanged_from !== undefined && !(await this.chainActive(claims.exchanged_from))) return null;
    return { claims, client };
  }

  /** Every token an exchanged token derives from must itself still be honoured (its revocation cuts this one off). */
  private async chainActive(chain: unknown): Promise<boolean> {
    if (!isSubjectChain(chain)) return false;
    for (const link of chain) {
      if (await this.revocations.isRevoked(link.jti)) return false;
      const client = await this.clients.find(link.client_id, { known: true });
      if (!client || !client.enabled) return false;
      if (Math.floor(client.createdAt.getTime() / 1000) > link.iat || isCutOff(client, link.iat)) return false;
    }
    return true;
  }
}
