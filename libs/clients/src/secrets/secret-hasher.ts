import { SecretsConfig, ThrottleConfig } from '@app/config';
import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { type HashLane, LaneLimit } from './concurrency-limit';

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

function scryptRaw(secret: string | Buffer, salt: Buffer, ln: number, r: number, p: number, len: number): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(secret, salt, len, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** scrypt's work grows with N·r·p. */
const cost = (ln: number, r: number, p: number): number => 2 ** ln * r * p;

interface Checked extends VerifyResult {
  /** Work spent, in N·r·p units. */
  readonly cost: number;
}

/** Which of the candidate hashes the secret matched (-1: none). */
export interface CheckResult {
  readonly index: number;
  readonly needsRehash: boolean;
}

const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');

/**
 * scrypt password hashing (node:crypto) in the PHC string format `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`,
 * so the parameters travel with each hash and can be raised later. Runs on libuv's thread pool.
 */
@Injectable()
export class SecretHasher {
  private readonly logN: number;
  private readonly slots: LaneLimit;
  private readonly padSalt = randomBytes(16);

  constructor(secrets: SecretsConfig, throttle: ThrottleConfig) {
    this.logN = secrets.scryptLogN;
    this.slots = new LaneLimit(throttle.hashQueue);
  }

  /** Hashing jobs waiting for a slot (both lanes), for metrics. */
  queueDepth(): number {
    return this.slots.queued;
  }

  /**
   * Hashes a supplied secret. Administrative writes are authenticated and rare, so they never wait in (nor are
   * refused by) the queues that strangers can fill.
   */
  async hash(secret: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scryptRaw(secret, salt, this.logN, R, P, KEY_LEN);
    return `$scrypt$ln=${this.logN},r=${R},p=${P}$${b64(salt)}$${b64(key)}`;
  }

  /** Checks one secret against one stored hash (administrative checks, outside the queues). */
  async verify(secret: string, phc: string): Promise<VerifyResult> {
    const { valid, needsRehash } = await this.verifyOne(secret, phc);
    return { valid, needsRehash };
  }

  /**
   * Client authentication: tries `candidates` in order (the current secret hash, then the previous one while
   * its grace window lasts; undefined for an unknown client or no grace) and returns the first that matches.
   * Every failure costs the same work, two verifications at the configured parameters, whether the client
   * is unknown, has one hash or two, or has hashes made with older (cheaper) parameters, so response time
   * tells none of them apart (RFC 6749 §10.2 hygiene). May reject with HashingBusy when the lane is full, and
   * with WorkAbandoned when `signal` aborts while the check waits.
   */
  check(secret: string, candidates: readonly (string | undefined)[], lane: HashLane, signal?: AbortSignal): Promise<CheckResult> {
    return this.slots.run(
      lane,
      async () => {
        let spent = 0;
        for (let i = 0; i < candidates.length; i++) {
          const phc = candidates[i];
          if (phc === undefined) continue;
          const r = await this.verifyOne(secret, phc);
          spent += r.cost;
          if (r.valid) return { index: i, needsRehash: r.needsRehash };
        }
        await this.pad(2 * cost(this.logN, R, P) - spent);
        return { index: -1, needsRehash: false };
      },
      signal,
    );
  }

  /** Spends about `units` of scrypt work (N·r·p) on a throwaway input, in power-of-two pieces. */
  private async pad(units: number): Promise<void> {
    let n = Math.ceil(units / R);
    while (n >= 2) {
      const ln = Math.floor(Math.log2(n));
      await scryptRaw('pad', this.padSalt, ln, R, P, KEY_LEN);
      n -= 2 ** ln;
    }
  }

  private async verifyOne(secret: string, phc: string): Promise<Checked> {
    const m = PHC.exec(phc);
    if (!m) return { valid: false, needsRehash: false, cost: 0 };
    const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const salt = Buffer.from(m[4], 'base64');
    const expected = Buffer.from(m[5], 'base64');
    // A corrupt or hostile stored hash must not fail the request nor make scrypt allocate gigabytes:
    // parameters beyond what SECRET_HASH_LOG_N allows (or that scrypt rejects) simply do not match.
    if (ln < 1 || ln > MAX_LOG_N || r < 1 || r > MAX_R || p < 1 || p > MAX_P || expected.length < 16 || expected.length > 64) {
      return { valid: false, needsRehash: false, cost: 0 };
    }
    let actual: Buffer;
    try {
      actual = await scryptRaw(secret, salt, ln, r, p, expected.length);
    } catch {
      return { valid: false, needsRehash: false, cost: 0 };
    }
    // scrypt keys HMAC-SHA256 with the secret, and HMAC pads short keys with zero bytes: "s" and "s\0"
    // would hash alike. No secret contains NUL (RFC 6749 Appendix A.2: VSCHAR), so none with one matches.
    const valid = timingSafeEqual(actual, expected) && !secret.includes('\u0000');
    return { valid, needsRehash: valid && (ln < this.logN || r < R || expected.length < KEY_LEN), cost: cost(ln, r, p) };
  }
}
