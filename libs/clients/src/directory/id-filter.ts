import { randomBytes } from 'node:crypto';

/** Bits per id the filter is sized for: with 8 probes and the filter at most full, about 0.03 % false positives. */
const BITS_PER_ID = 16;
const PROBES = 8;
const MIN_CAPACITY = 65_536;

/**
 * A Bloom filter of client ids: never a false negative, rarely a false positive. An id it does not hold was
 * never registered, so the request is refused without a database round trip; a false positive only costs the
 * lookup every id used to cost. Ids cannot be removed: a deleted client's id stays a (harmless) positive until
 * the next rebuild. Probes come from two 32-bit hashes of the id (FNV-1a and a multiplicative mix, each seeded
 * per process, combined by double hashing): a false positive only costs the lookup every id used to cost, so a
 * cryptographic hash would buy nothing, and the random seeds keep anyone outside from aiming ids at the same bits.
 */
export class IdFilter {
  private readonly bits: Uint32Array;
  private readonly size: number;
  private readonly seedA = randomBytes(4).readUInt32LE(0);
  private readonly seedB = randomBytes(4).readUInt32LE(0) | 1;
  private count = 0;

  /** Sized for `capacity` ids (at least 65,536). */
  constructor(readonly capacity: number) {
    this.capacity = Math.max(MIN_CAPACITY, Math.ceil(capacity));
    this.size = this.capacity * BITS_PER_ID;
    this.bits = new Uint32Array(Math.ceil(this.size / 32));
  }

  /** The filter's bit positions for an id: h1 + k·h2 (Kirsch–Mitzenmacher double hashing). */
  private probe(id: string, visit: (bit: number) => boolean): boolean {
    let h1 = 0x811c9dc5 ^ this.seedA;
    let h2 = this.seedB;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b) >>> 0;
    h2 = (Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35) | 1) >>> 0;
    for (let k = 0; k < PROBES; k++) {
      if (!visit((h1 + k * h2) % this.size)) return false;
    }
    return true;
  }

  add(id: string): void {
    this.probe(id, (i) => {
      this.bits[i >>> 5] |= 1 << (i & 31);
      return true;
    });
    this.count++;
  }

  mayContain(id: string): boolean {
    return this.probe(id, (i) => (this.bits[i >>> 5] & (1 << (i & 31))) !== 0);
  }

  /** More ids were added than it was sized for (false positives climb): time to rebuild a larger one. */
  get full(): boolean {
    return this.count > this.capacity;
  }

  /** Bytes of the bit array. */
  get bytes(): number {
    return this.bits.byteLength;
  }
}
