import { Clock, KeysConfig, SenderConstraintConfig, ServerConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { DpopNonces } from './dpop-nonces';
import { InvalidDpopProof, UseDpopNonce } from './dpop-errors';
import { DpopProofRejected, DpopProofVerifier, normaliseHtu } from './dpop-proof';
import { UsedDpopProofs } from './used-dpop-proofs';

/**
 * RFC 9449 at the token endpoint: checks the one DPoP proof of a request (§4.3), the server nonce when
 * DPOP_NONCE_REQUIRED (§8), and that its jti was not used before on any instance (§11.1). Returns the key's
 * thumbprint for `cnf.jkt`.
 */
@Injectable()
export class DpopProofChecker {
  private readonly endpoints: readonly string[];
  private nonceSource: DpopNonces | undefined;
  private readonly proofs = new DpopProofVerifier();

  constructor(
    server: ServerConfig,
    private readonly senderConstraint: SenderConstraintConfig,
    private readonly keys: KeysConfig,
    private readonly clock: Clock,
    private readonly used: UsedDpopProofs,
  ) {
    // §4.3 item 9: htu is the URL the client used, i.e. the public one the issuer names (and the mTLS alias).
    const bases = [server.issuer, senderConstraint.mtlsEndpointBase].filter((b): b is string => b !== undefined);
    this.endpoints = bases.map((b) => normaliseHtu(`${b}/oauth2/token`)).filter((u): u is string => u !== undefined);
  }

  get nonceRequired(): boolean {
    return this.senderConstraint.dpopNonceRequired;
  }

  /** The nonce a client should put into its next proof (sent as `DPoP-Nonce`). */
  currentNonce(): string {
    return this.nonces().current(this.clock.nowSeconds());
  }

  /** `proofs`: every DPoP header value of the request (§4.3 item 1: exactly one). */
  async check(method: string, proofs: readonly string[]): Promise<{ jkt: string }> {
    if (proofs.length !== 1 || proofs[0].includes(',')) throw new InvalidDpopProof('Send exactly one DPoP proof');
    const cfg = this.senderConstraint;
    const now = this.clock.nowSeconds();
    let proof;
    try {
      proof = await this.proofs.verify(proofs[0], {
        htm: method,
        htu: this.endpoints,
        algorithms: cfg.dpopSigningAlgs,
        nowSeconds: now,
        maxAgeSeconds: cfg.dpopMaxAgeSeconds,
        skewSeconds: cfg.dpopClockSkewSeconds,
      });
    } catch (err) {
      if (err instanceof DpopProofRejected) throw new InvalidDpopProof(err.description);
      throw err;
    }
    if (cfg.dpopNonceRequired) {
      if (proof.nonce === undefined) throw new UseDpopNonce(this.currentNonce(), 'DPoP proof must carry the server nonce');
      if (!this.nonces().accepts(proof.nonce, now)) throw new UseDpopNonce(this.currentNonce(), 'DPoP proof nonce is stale or unknown');
    }
    // Kept until the proof could no longer pass the iat check anyway.
    const expires = Math.max(proof.iat, now) + cfg.dpopMaxAgeSeconds + cfg.dpopClockSkewSeconds;
    if (!(await this.used.consume(proof.jkt, proof.jti, expires))) throw new InvalidDpopProof('DPoP proof jti was used before');
    return { jkt: proof.jkt };
  }

  /** Built on first use: in embedded mode the key-encryption key is only known once the database is open. */
  private nonces(): DpopNonces {
    if (this.nonceSource) return this.nonceSource;
    const secret = this.keys.encryptionKeys[0];
    if (!secret) throw new Error('no key-encryption key to derive DPoP nonces from');
    this.nonceSource = new DpopNonces(secret, this.senderConstraint.dpopNonceWindowSeconds);
    return this.nonceSource;
  }
}
