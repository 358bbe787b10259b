import type { JWK } from 'jose';
import type { webcrypto } from 'node:crypto';

type Key = webcrypto.CryptoKey;

/** The public JWKS document (RFC 7517 §5): public members only. */
export interface JwksDocument {
  keys: JWK[];
}

export interface PublishedKey {
  kid: string;
  jwk: JWK;
  verifier: Promise<Key>;
  /** Epoch ms when a retired key stops being published; undefined for next and active keys. */
  expiresAt?: number;
}

/**
 * The keys this instance publishes and verifies with, in JWKS order. A retired key drops out at its
 * expires_at even between two reloads, so the JWKS never lists a key longer than its retirement window.
 */
export class PublishedKeySet {
  readonly document: JwksDocument;
  private readonly byKid: Map<string, PublishedKey>;
  private readonly nextExpiry: number;

  constructor(readonly entries: readonly PublishedKey[]) {
    this.document = { keys: entries.map((e) => e.jwk) };
    this.byKid = new Map(entries.map((e) => [e.kid, e]));
    this.nextExpiry = Math.min(Infinity, ...entries.map((e) => e.expiresAt ?? Infinity));
  }

  static readonly EMPTY = new PublishedKeySet([]);

  /** This set as of `nowMs`: itself when nothing expired, else a copy without the expired keys. */
  at(nowMs: number): PublishedKeySet {
    if (nowMs < this.nextExpiry) return this;
    return new PublishedKeySet(this.entries.filter((e) => e.expiresAt === undefined || e.expiresAt > nowMs));
  }

  verifier(kid: string): Promise<Key> | undefined {
    return this.byKid.get(kid)?.verifier;
  }
}
