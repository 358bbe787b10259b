import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;

/**
 * RFC 9449 §8 server nonces without storage: a nonce is the number of the current time window and an HMAC of it
 * under a key every instance derives alike (HKDF of the first key-encryption key, which instances sharing a
 * database already share). A nonce is accepted in its own window and the next, so one handed out just before a
 * window ends still works; any instance accepts any other's.
 */
export class DpopNonces {
  private readonly key: Buffer;

  constructor(
    secret: Buffer,
    private readonly windowSeconds: number,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'dpop-nonce-v1', 32));
  }

  /** The nonce of the window containing `nowSeconds`. */
  current(nowSeconds: number): string {
    return this.make(Math.floor(nowSeconds / this.windowSeconds));
  }

  /** True for a nonce of the current or the previous window. */
  accepts(nonce: string, nowSeconds: number): boolean {
    const dot = nonce.indexOf('.');
    if (dot < 1 || dot > 12) return false;
    const window = Number(nonce.slice(0, dot));
    const now = Math.floor(nowSeconds / this.windowSeconds);
    if (!Number.isSafeInteger(window) || (window !== now && window !== now - 1)) return false;
    const expected = Buffer.from(this.make(window));
    const given = Buffer.from(nonce);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private make(window: number): string {
    const mac = createHmac('sha256', this.key).update(String(window)).digest().subarray(0, MAC_BYTES);
    return `${window}.${mac.toString('base64url')}`;
  }
}
