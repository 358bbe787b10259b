import { LruMap } from '@app/common';
import { createHash } from 'node:crypto';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key, bounded: each holds `burst` tokens and regains `perMinute` per minute. A full bucket
 * is the same as no bucket, so only keys with recent use take memory, and beyond `maxKeys` the least recently
 * used is dropped (random client ids cannot grow it without limit).
 */
export class TokenBuckets {
  private readonly map: LruMap<string, Bucket>;
  private readonly perMs: number;

  constructor(
    private readonly burst: number,
    perMinute: number,
    maxKeys: number,
    /** Milliseconds since the epoch: the Clock's. */
    private readonly now: () => number,
  ) {
    this.perMs = perMinute / 60_000;
    this.map = new LruMap(maxKeys);
  }

  /** Tokens left now. */
  level(key: string): number {
    const b = this.map.peek(key);
    if (!b) return this.burst;
    const tokens = Math.min(this.burst, b.tokens + (this.now() - b.at) * this.perMs);
    if (tokens >= this.burst) {
      this.map.delete(key);
      return this.burst;
    }
    return tokens;
  }

  /** Whether the bucket has no recent use at all. */
  full(key: string): boolean {
    return this.level(key) >= this.burst;
  }

  /** Adds `n` tokens (negative: takes them), between 0 and `burst`. */
  add(key: string, n: number): void {
    const tokens = Math.max(0, Math.min(this.burst, this.level(key) + n));
    if (tokens >= this.burst) this.map.delete(key);
    else this.map.set(key, { tokens, at: this.now() });
  }

  /** Whole seconds until the bucket holds one token again. */
  secondsUntilToken(key: string): number {
    const missing = 1 - this.level(key);
    return missing <= 0 ? 0 : Math.max(1, Math.ceil(missing / this.perMs / 1000));
  }

  get size(): number {
    return this.map.size;
  }
}

/** A bounded key for any client id: long ids (an attacker's) are hashed, so one entry stays small. */
export function boundedKey(value: string): string {
  return value.length <= 256 ? value : `#${createHash('sha256').update(value).digest('base64url')}`;
}
