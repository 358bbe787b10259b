import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ClientEntity } from './client.entity';

interface Entry {
  client: ClientEntity;
  /** HMACs of secrets already verified against the stored hash, with the instant they stop being valid. */
  verified: { mac: Buffer; until: number }[];
  expiresAt: number;
}

/**
 * Per-instance cache of clients and of secrets already proven against their scrypt hash, so a known client
 * costs neither a database round trip nor a password hash per token request. Secrets are kept only as an
 * HMAC under a key that never leaves this process. Entries are dropped on any change to the client (see
 * ChangeFeed), and after the configured TTL in any case.
 */
export class ClientCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  private mac(secret: string): Buffer {
    return createHmac('sha256', this.key).update(secret, 'utf8').digest();
  }

  /** The cached client when `secret` was verified for it before and is still accepted; otherwise undefined. */
  match(clientId: string, secret: string): ClientEntity | undefined {
    const e = this.entries.get(clientId);
    if (!e) return undefined;
    const now = this.now();
    if (e.expiresAt <= now) {
      this.entries.delete(clientId);
      return undefined;
    }
    const mac = this.mac(secret);
    let hit = false;
    for (const v of e.verified) if (v.until > now && timingSafeEqual(v.mac, mac)) hit = true;
    return hit ? e.client : undefined;
  }

  remember(client: ClientEntity, secret: string, until: number): void {
    if (this.ttlMs <= 0) return;
    const now = this.now();
    let e = this.entries.get(client.clientId);
    if (!e || e.client !== client) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      e = { client, verified: [], expiresAt: now + this.ttlMs };
      this.entries.set(client.clientId, e);
    }
    e.verified = e.verified.filter((v) => v.until > now);
    e.verified.push({ mac: this.mac(secret), until });
  }

  get size(): number {
    return this.entries.size;
  }

  invalidate(clientId: string): void {
    this.entries.delete(clientId);
  }

  clear(): void {
    this.entries.clear();
  }
}
