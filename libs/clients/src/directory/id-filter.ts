import { createHash, randomBytes } from 'node:crypto';

/** Bits per id the filter is sized for: with 8 probes and the filter at most full, about 0.03 % false positives. */
const BITS_PER_ID = 16;
const PROBES = 8;
const MIN_CAPACITY = 65_536;

/**
 * A Bloom filter of client ids: never a false negative, rarely a false positive. An id it does not hold was
 * never registered, so the request is refused without a database round trip; a false positive only costs the
 * lookup every id used to cost. Ids cannot be removed: a deleted client's id stays a (harmless) positive until
 * the next rebuild. Probes come from one SHA-256 of a per-process salt and the id, so nobody outside can aim
 * ids at the same bits.
 */
export class IdFilter {
  private readonly bits: Uint32Array;
  private readonly size: number;
  private readonly salt = randomBytes(16);
  private count = 0;

  /** Sized for `capacity` ids (at least 65,536). */
  constructor(readonly capacity: number) {
    this.capacity = Math.max(MIN_CAPACITY, Math.ceil(capacity));
    this.size = this.capacity * BITS_PER_ID;
    this.bits = new Uint32Array(Math.ceil(this.size / 32));
  }

  private digest(id: string): Buffer {
    return createHash('sha256').update(this.salt).update(id, 'utf8').digest();
  }

  add(id: string): void {
    const d = this.digest(id);
    for (let k = 0; k < PROBES; k++) {
      const i = d.readUInt32LE(k * 4) % this.size;
      this.bits[i >>> 5] |= 1 << (i & 31);
    }
    this.count++;
  }

  mayContain(id: string): boolean {
    const d = this.digest(id);
    for (let k = 0; k < PROBES; k++) {
      const i = d.readUInt32LE(k * 4) % this.size;
      if ((this.bits[i >>> 5] & (1 << (i & 31))) === 0) return false;
    }
    return true;
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
