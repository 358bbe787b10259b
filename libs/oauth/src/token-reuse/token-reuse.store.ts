/** A token that an identical request may get back until `reuseUntil`. */
export interface ReusableToken {
  readonly token: string;
  readonly jti: string;
  readonly clientId: string;
  /** The signing key's id: a token signed by a key that no longer signs is not handed out again. */
  readonly kid: string;
  /** Epoch seconds. */
  readonly iat: number;
  readonly exp: number;
  readonly reuseUntil: number;
}

/**
 * "Identical" requests: the same client row version (`updated_at`, in ms), the same scope set after defaulting,
 * the same resolved `aud`. Sets compare regardless of order. Client ids cannot contain NUL (they are stored in
 * PostgreSQL text).
 */
export function reuseKey(clientId: string, scopes: readonly string[], audience: string | readonly string[], rowVersion: number): string {
  const aud = typeof audience === 'string' ? audience : [...audience].sort().join(' ');
  return `${clientId}\u0000${rowVersion}\u0000${[...scopes].sort().join(' ')}\u0000${aud}`;
}

/**
 * Per-instance store of recently issued tokens for TOKEN_REUSE_SECONDS. Bounded: past `maxEntries` the
 * oldest issued entry goes (it is the first to stop being reusable anyway). Every way to drop entries bumps
 * `epoch`, so a token signed while a change arrived is not stored afterwards (see `remember`).
 */
export class TokenReuseStore {
  private readonly entries = new Map<string, ReusableToken>();
  private readonly keyByJti = new Map<string, string>();
  private epochValue = 0;

  constructor(private readonly maxEntries = 100_000) {}

  get size(): number {
    return this.entries.size;
  }

  /** Changes whenever entries are dropped for a reason other than their age. */
  get epoch(): number {
    return this.epochValue;
  }

  /** The token still reusable at `nowSeconds` and signed by `activeKid`, else undefined. */
  find(key: string, nowSeconds: number, activeKid: string): ReusableToken | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.reuseUntil > nowSeconds && e.exp > nowSeconds && e.kid === activeKid) return e;
    this.delete(key, e);
    return undefined;
  }

  /** Stores a freshly issued token, unless something was invalidated since `epoch` was read before signing. */
  remember(key: string, entry: ReusableToken, epoch: number, nowSeconds: number): void {
    if (epoch !== this.epochValue) return;
    const prior = this.entries.get(key);
    if (prior) this.delete(key, prior);
    // Entries are in issuance order, so those no longer reusable are at the front.
    for (const [k, e] of this.entries) {
      if (e.reuseUntil > nowSeconds) break;
      this.delete(k, e);
    }
    if (this.entries.size >= this.maxEntries) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, ReusableToken];
      this.delete(oldestKey, oldest);
    }
    this.entries.set(key, entry);
    this.keyByJti.set(entry.jti, key);
  }

  dropToken(jti: string): void {
    this.epochValue++;
    const key = this.keyByJti.get(jti);
    const e = key === undefined ? undefined : this.entries.get(key);
    if (key !== undefined && e) this.delete(key, e);
  }

  dropClient(clientId: string): void {
    this.epochValue++;
    for (const [key, e] of this.entries) if (e.clientId === clientId) this.delete(key, e);
  }

  clear(): void {
    this.epochValue++;
    this.entries.clear();
    this.keyByJti.clear();
  }

  private delete(key: string, e: ReusableToken): void {
    this.entries.delete(key);
    this.keyByJti.delete(e.jti);
  }
}
