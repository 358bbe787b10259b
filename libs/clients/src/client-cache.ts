import { LruMap } from '@app/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ClientEntity } from './client.entity';

/** A secret proven against one stored hash: valid while the row still holds that hash. */
interface Verified {
  mac: Buffer;
  /** The stored PHC string the secret matched (current or previous secret hash at the time). */
  hash: string;
}

interface Entry {
  client: ClientEntity;
  verified: Verified[];
  /** After this instant (or after invalidation) the row is read again before the entry answers. */
  freshUntil: number;
}

/** What the cache knows about a (client id, secret) pair. */
export type CacheLookup =
  /** The row is fresh and the secret was verified against a hash it still holds. */
  | { readonly kind: 'hit'; readonly client: ClientEntity }
  /** The secret was verified before, but the row must be read again (TTL passed, or a change was published). */
  | { readonly kind: 'stale' }
  | { readonly kind: 'miss' };

/** At most two secrets are valid at once (current and grace); a few more cover rotations in between. */
const MAX_VERIFIED = 4;

const MISS: CacheLookup = { kind: 'miss' };
const STALE: CacheLookup = { kind: 'stale' };

/**
 * Per-instance cache of clients and of secrets already proven against their scrypt hash, so a known client
 * costs neither a database round trip nor a password hash per token request. Secrets are kept only as an
 * HMAC under a key that never leaves this process, each tied to the stored hash it matched: a row re-read
 * after the TTL or a published change keeps its verified secrets while `secret_hash` / `previous_secret_hash`
 * still hold that hash, so a steady client hashes once per instance lifetime, and both secrets of a rotation
 * stay verified through its grace window. Least recently used entries go first beyond `maxEntries`; a hit
 * keeps an entry alive.
 */
export class ClientCache {
  private readonly key = randomBytes(32);
  private readonly entries: LruMap<string, Entry>;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly ttlMs: number,
    maxEntries = 100_000,
    /** Milliseconds since the epoch: the Clock's, so tests move TTL and grace windows without waiting. */
    private readonly now: () => number,
  ) {
    this.entries = new LruMap(maxEntries);
  }

  private mac(secret: string): Buffer {
    return createHmac('sha256', this.key).update(secret, 'utf8').digest();
  }

  /** Whether `hash` still accepts secrets for this row (the previous hash only during its grace window). */
  private accepts(client: ClientEntity, hash: string, now: number): boolean {
    if (hash === client.secretHash) return true;
    return hash === client.previousSecretHash && (client.previousSecretExpiresAt?.getTime() ?? 0) > now;
  }

  private verifiedHere(e: Entry, mac: Buffer, now: number): boolean {
    let found = false;
    for (const v of e.verified) if (timingSafeEqual(v.mac, mac) && this.accepts(e.client, v.hash, now)) found = true;
    return found;
  }

  lookup(clientId: string, secret: string): CacheLookup {
    const e = this.entries.peek(clientId);
    if (!e) {
      this.misses++;
      return MISS;
    }
    const now = this.now();
    if (!this.verifiedHere(e, this.mac(secret), now)) {
      this.misses++;
      return MISS;
    }
    // Least-recently-used order: a proven secret keeps the entry alive (a wrong one does not).
    this.entries.get(clientId);
    if (e.freshUntil <= now) {
      this.misses++;
      return STALE;
    }
    this.hits++;
    return { kind: 'hit', client: e.client };
  }

  /** The cached client when `secret` was verified for it and the row is fresh; otherwise undefined. */
  match(clientId: string, secret: string): ClientEntity | undefined {
    const r = this.lookup(clientId, secret);
    return r.kind === 'hit' ? r.client : undefined;
  }

  /**
   * Stores a freshly read row. Verified secrets of the previous copy carry over when their hash is still in
   * the row; others are dropped. Returns whether `secret` (if given) is verified for the new row.
   */
  refresh(client: ClientEntity, secret?: string): boolean {
    if (this.ttlMs <= 0) return false;
    const now = this.now();
    const old = this.entries.peek(client.clientId);
    const verified = old ? old.verified.filter((v) => this.accepts(client, v.hash, now)) : [];
    const e: Entry = { client, verified, freshUntil: now + this.ttlMs };
    this.entries.set(client.clientId, e);
    return secret !== undefined && this.verifiedHere(e, this.mac(secret), now);
  }

  /** Records that `secret` matched `hash`, one of the row's stored hashes. */
  remember(client: ClientEntity, secret: string, hash: string): void {
    if (this.ttlMs <= 0) return;
    const now = this.now();
    let e = this.entries.peek(client.clientId);
    if (!e || e.client !== client) {
      e = { client, verified: e ? e.verified.filter((v) => this.accepts(client, v.hash, now)) : [], freshUntil: now + this.ttlMs };
    }
    const mac = this.mac(secret);
    e.verified = e.verified.filter((v) => !(v.hash === hash && timingSafeEqual(v.mac, mac)));
    e.verified.push({ mac, hash });
    if (e.verified.length > MAX_VERIFIED) e.verified.splice(0, e.verified.length - MAX_VERIFIED);
    this.entries.set(client.clientId, e);
  }

  /** The row changed somewhere: read it again before answering, keeping secrets whose hash survives. */
  invalidate(clientId: string): void {
    const e = this.entries.peek(clientId);
    if (e) e.freshUntil = 0;
  }

  /** Every row must be read again (a change feed gap); verified secrets survive as in invalidate(). */
  clear(): void {
    for (const e of this.entries.values()) e.freshUntil = 0;
  }

  /** The client no longer exists. */
  drop(clientId: string): void {
    this.entries.delete(clientId);
  }

  has(clientId: string): boolean {
    return this.entries.has(clientId);
  }

  stats(): { hits: number; misses: number; size: number } {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }
}
