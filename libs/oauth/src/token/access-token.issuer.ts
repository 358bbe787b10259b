import { cutoffSecond } from '@app/clients';
import { Clock, ServerConfig, TokenConfig } from '@app/config';
import { KeysService } from '@app/keys';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Confirmation } from '../dpop/confirmation';
import { CompactJwsSigner } from './compact-jws';

export interface AccessTokenRequest {
  clientId: string;
  scopes: readonly string[];
  audience: string | string[];
  ttlSeconds: number;
  /** Claims beyond RFC 9068's (never a reserved one): the client's static claims, or those of a grant. */
  claims?: Readonly<Record<string, unknown>> | null;
  /** `sub` when it is not the client (RFC 8693 §2.1: the subject of an exchanged token). */
  subject?: string;
  /** RFC 7800 `cnf`: the key (RFC 9449 §6.1) or certificate (RFC 8705 §3.1) the token is bound to. */
  cnf?: Confirmation;
  /**
   * The client's token cut-off (`tokens_revoked_before`), or null. A token whose `iat` is the cut-off's second is
   * cut off too (token-cutoff.ts), so right after a cut-off the token is signed in the next second: whatever the
   * grant, a token answered is active.
   */
  clientCutoff: Date | null;
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

/** jti bytes are drawn from a pool refilled 256 tokens at a time: one CSPRNG call per token cost ~2 µs. */
const JTI_BYTES = 16;
const JTI_POOL_BYTES = 256 * JTI_BYTES;

/**
 * Signs JWT access tokens in the RFC 9068 profile: header `typ: at+jwt`, `kid`; claims iss, sub, aud,
 * client_id, scope, jti, iat, nbf, exp, and `cnf` for a sender-constrained token. Nothing is stored per token.
 */
@Injectable()
export class AccessTokenIssuer {
  private jws: CompactJwsSigner | undefined;
  private pool = Buffer.alloc(0);
  private poolOffset = 0;
  private readonly members = new WeakMap<object, string>();

  constructor(
    private readonly keys: KeysService,
    private readonly tokens: TokenConfig,
    private readonly server: ServerConfig,
    private readonly clock: Clock,
  ) {}

  async issue(req: AccessTokenRequest): Promise<IssuedAccessToken> {
    if (req.clientCutoff !== null) await this.waitPastCutoff(req.clientCutoff);
    const signer = this.keys.activeSigner();
    // Prepared once per signing key (a rotation brings a new signer object).
    let jws = this.jws;
    if (jws?.signer !== signer) this.jws = jws = new CompactJwsSigner(signer);
    const iat = this.clock.nowSeconds();
    const jti = this.newJti();
    // RFC 9068 §2.2.3: scope is a space-delimited string; the array form matches Spring-issued tokens.
    const scope = this.tokens.scopeFormat === 'array' ? [...req.scopes] : req.scopes.join(' ');
    const token = await jws.sign(
      {
        client_id: req.clientId,
        scope,
        iss: this.server.issuer,
        sub: req.subject ?? req.clientId,
        aud: req.audience,
        jti,
        iat,
        nbf: iat,
        exp: iat + req.ttlSeconds,
        ...(req.cnf ? { cnf: req.cnf } : {}),
      },
      req.claims ? this.membersOf(req.claims) : undefined,
    );
    return { token, jti, kid: signer.kid, iat, expiresIn: req.ttlSeconds };
  }

  /** At most a second, and only in the cut-off's own second. */
  private async waitPastCutoff(cutoff: Date): Promise<void> {
    const next = (cutoffSecond(cutoff) + 1) * 1000;
    // A timer may fire a millisecond before the wall clock gets there: wait until the clock itself says so.
    for (let wait = next - this.clock.now(); wait > 0 && wait <= 1000; wait = next - this.clock.now()) {
      await new Promise((r) => setTimeout(r, wait + 1));
    }
  }

  /**
   * The members of `claims` as JSON without braces, serialised once per object: a client's static claims are the
   * same object until its row changes, so a client with claims signs at the cost of one without.
   */
  private membersOf(claims: Readonly<Record<string, unknown>>): string | undefined {
    let json = this.members.get(claims);
    if (json === undefined) {
      json = JSON.stringify(claims).slice(1, -1);
      this.members.set(claims, json);
    }
    return json === '' ? undefined : json;
  }

  /** 128 random bits, base64url (RFC 7519 §4.1.7: collisions must be negligible). */
  private newJti(): string {
    if (this.poolOffset + JTI_BYTES > this.pool.length) {
      this.pool = randomBytes(JTI_POOL_BYTES);
      this.poolOffset = 0;
    }
    const jti = this.pool.toString('base64url', this.poolOffset, this.poolOffset + JTI_BYTES);
    this.poolOffset += JTI_BYTES;
    return jti;
  }
}
