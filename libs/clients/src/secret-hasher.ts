import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { ConcurrencyLimit } from './concurrency-limit';

export interface VerifyResult {
  readonly valid: boolean;
  /** The hash was made with weaker parameters than the current setting. */
  readonly needsRehash: boolean;
}

const KEY_LEN = 32;
const R = 8;
const P = 1;
/** Bounds on the parameters read from a stored hash (memory is 128·2^ln·r bytes, time grows with p). */
const MAX_LOG_N = 20;
const MAX_R = 16;
const MAX_P = 4;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** libuv's default pool has 4 threads; hashing gets half, signing and database handshakes keep the rest. */
const HASH_SLOTS = 2;
const slots = new ConcurrencyLimit(HASH_SLOTS);

function scryptAsync(secret: string, salt: Buffer, ln: number, r: number, p: number, len: number): Promise<Buffer> {
  const N = 2 ** ln;
  return slots.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(secret, salt, len, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
      ),
  );
}

const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');

/**
 * scrypt password hashing (node:crypto) in the PHC string format `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`,
 * so the parameters travel with each hash and can be raised later. Runs on libuv's thread pool.
 */
@Injectable()
export class SecretHasher {
  private readonly logN: number;
  private dummy: Promise<string> | undefined;

  constructor(config: AppConfig) {
    this.logN = config.secrets.scryptLogN;
  }

  /** Hash or verification tasks waiting for a slot (read by the metrics). */
  queueDepth(): number {
    return slots.queued;
  }

  async hash(secret: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scryptAsync(secret, salt, this.logN, R, P, KEY_LEN);
    return `$scrypt$ln=${this.logN},r=${R},p=${P}$${b64(salt)}$${b64(key)}`;
  }

  async verify(secret: string, phc: string): Promise<VerifyResult> {
    const m = PHC.exec(phc);
    if (!m) return { valid: false, needsRehash: false };
    const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const salt = Buffer.from(m[4], 'base64');
    const expected = Buffer.from(m[5], 'base64');
    // A corrupt or hostile stored hash must not fail the request nor make scrypt allocate gigabytes:
    // parameters beyond what SECRET_HASH_LOG_N allows (or that scrypt rejects) simply do not match.
    if (ln < 1 || ln > MAX_LOG_N || r < 1 || r > MAX_R || p < 1 || p > MAX_P || expected.length < 16 || expected.length > 64) {
      return { valid: false, needsRehash: false };
    }
    let actual: Buffer;
    try {
      actual = await scryptAsync(secret, salt, ln, r, p, expected.length);
    } catch {
      return { valid: false, needsRehash: false };
    }
    // scrypt keys HMAC-SHA256 with the secret, and HMAC pads short keys with zero bytes: "s" and "s\0"
    // would hash alike. No secret contains NUL (RFC 6749 Appendix A.2: VSCHAR), so none with one matches.
    const valid = timingSafeEqual(actual, expected) && !secret.includes('\u0000');
    return { valid, needsRehash: valid && (ln < this.logN || r < R || expected.length < KEY_LEN) };
  }

  /**
   * Spends the same work as a real verification, for an unknown client id, so response time does not tell
   * an unknown id from a wrong secret.
   */
  async burn(secret: string): Promise<void> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'));
    await this.verify(secret, await this.dummy);
  }
}
