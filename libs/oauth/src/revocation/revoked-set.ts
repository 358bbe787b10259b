/**
 * The ids of revoked tokens that have not expired yet, in memory, so a verification costs no database
 * round trip. Bounded: past `maxEntries` the set gives up (`complete` turns false) and callers ask
 * PostgreSQL instead, which is always right, only slower.
 */
export class RevokedSet {
  /** jti → the token's expiry, epoch seconds. */
  private readonly entries = new Map<string, number>();
  private overflowed = false;
  private loaded = false;

  constructor(private readonly maxEntries = 100_000) {}

  /** True when every unexpired revocation is known here, so `has` is authoritative. */
  get complete(): boolean {
    return this.loaded && !this.overflowed;
  }

  get size(): number {
    return this.entries.size;
  }

  has(jti: string): boolean {
    return this.entries.has(jti);
  }

  add(jti: string, expSeconds: number): void {
    if (this.overflowed) return;
    this.entries.set(jti, expSeconds);
    if (this.entries.size > this.maxEntries) this.giveUp();
  }

  /** Replaces the content with a full read of the table (`rows` holds every unexpired revocation, at most maxEntries + 1). */
  load(rows: Iterable<[string, number]>): void {
    const fresh = new Map(rows);
    if (fresh.size > this.maxEntries) {
      this.giveUp();
      return;
    }
    // Entries added while the read ran (a revocation that committed after it) are kept; with them the set must
    // still fit, or it would claim to be complete while holding more than its bound.
    for (const [jti, exp] of this.entries) if (!fresh.has(jti)) fresh.set(jti, exp);
    if (fresh.size > this.maxEntries) {
      this.giveUp();
      return;
    }
    this.entries.clear();
    for (const [jti, exp] of fresh) this.entries.set(jti, exp);
    this.overflowed = false;
    this.loaded = true;
  }

  /** Changes may have been missed (change feed outage): answers come from the database until the next load. */
  invalidate(): void {
    this.loaded = false;
  }

  /** Drops revocations of tokens that have expired anyway (their signature check refuses them). */
  prune(nowSeconds: number): void {
    for (const [jti, exp] of this.entries) if (exp <= nowSeconds) this.entries.delete(jti);
  }

  private giveUp(): void {
    this.overflowed = true;
    this.entries.clear();
  }
}
