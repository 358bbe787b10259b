import { AppConfig, SigningAlg } from '@app/config';
import { ChangeFeed } from '@app/persistence';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { webcrypto } from 'node:crypto';
import { importJWK, importPKCS8, JWK } from 'jose';
import { DataSource, EntityManager, In } from 'typeorm';
import { generateSigningKey } from './key-factory';
import { KeyEncrypter } from './key-encrypter';
import { dbNow, lockKeys } from './key-lock';
import { JwksDocument, PublishedKeySet } from './published-key-set';
import { SigningKeyEntity } from './signing-key.entity';

export const KEYS_TOPIC = 'keys';

type Key = webcrypto.CryptoKey;

export interface ActiveSigner {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly key: Key;
  /** When it started signing (its creation time for keys from before activation was recorded). */
  readonly activatedAt: Date;
}

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'] as const;

/**
 * Signing keys: created on first start, stored with the private part sealed (KeyEncrypter), held in memory
 * already imported so signing costs no storage access and no key parsing per token. Every instance sharing
 * the database reloads on a change (ChangeFeed) and every minute.
 */
@Injectable()
export class KeysService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeysService.name);
  readonly encrypter: KeyEncrypter;
  private signer: ActiveSigner | undefined;
  private published = PublishedKeySet.EMPTY;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private reloadAgain: Promise<void> | undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly config: AppConfig,
    private readonly feed: ChangeFeed,
  ) {
    this.encrypter = new KeyEncrypter(config.keys.encryptionKeys);
    feed.subscribe(KEYS_TOPIC, () => void this.reload().catch((e) => this.logger.warn(`key reload failed: ${(e as Error).message}`)));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureActiveKey(); // serialised across instances by its own transaction lock (lockKeys)
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => undefined), 60_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The key that signs now. Throws only before bootstrap. */
  activeSigner(): ActiveSigner {
    if (!this.signer) throw new Error('no active signing key loaded');
    return this.signer;
  }

  /** Public keys for verifiers: active first, then next and not yet expired retired keys. */
  jwks(): JwksDocument {
    return this.current().document;
  }

  /** The public key for a kid this server publishes, for local verification (introspection, admin guard). */
  verificationKey(kid: string): Promise<Key> | undefined {
    return this.current().verifier(kid);
  }

  /**
   * Seconds a retired key stays published: the longest lifetime of a token it may have signed, plus the time
   * other instances may keep signing with it before they reload, plus the verifiers' clock leeway.
   */
  retirementWindowSeconds(): number {
    return this.config.tokens.maxAccessTokenTtl + this.propagationSeconds() + this.config.keys.retirementGraceSeconds;
  }

  /**
   * Seconds a next key must have been in the database before it may sign: every instance has reloaded
   * (one change-poll interval) and every verifier's cached copy of the JWKS (max-age) has been refreshed.
   */
  publishDelaySeconds(): number {
    return this.config.keys.jwksMaxAgeSeconds + this.propagationSeconds();
  }

  private propagationSeconds(): number {
    return Math.ceil(this.config.secrets.changePollIntervalMs / 1000);
  }

  /** Creates and stores a key in the given status, inside the caller's transaction. */
  async createKey(m: EntityManager, alg: SigningAlg, status: 'next' | 'active', now = new Date()): Promise<SigningKeyEntity> {
    const g = await generateSigningKey(alg);
    const row = m.create(SigningKeyEntity, {
      kid: g.kid,
      alg: g.alg,
      status,
      publicJwk: g.publicJwk,
      privateKey: this.encrypter.seal(g.privatePkcs8, g.kid),
      createdAt: now,
      activatedAt: status === 'active' ? now : null,
      retiredAt: null,
      expiresAt: null,
    });
    return m.save(row);
  }

  /**
   * On start: make sure exactly one active key exists, with the configured algorithm. A change of SIGNING_ALG
   * retires the old key (still published until its tokens expire) and activates a new one.
   */
  async ensureActiveKey(): Promise<void> {
    const alg = this.config.keys.signingAlg;
    await this.ds.transaction(async (m) => {
      // Same lock as rotations, so a start with a new SIGNING_ALG cannot interleave with a rotation.
      await lockKeys(m);
      const active = await m.findOneBy(SigningKeyEntity, { status: 'active' });
      if (active && active.alg === alg) return;
      const now = await dbNow(m);
      if (active) {
        await m.update(
          SigningKeyEntity,
          { kid: active.kid },
          {
            status: 'retired',
            retiredAt: now,
            expiresAt: new Date(now.getTime() + this.retirementWindowSeconds() * 1000),
          },
        );
        this.logger.log(`SIGNING_ALG changed from ${active.alg} to ${alg}: retired key ${active.kid}`);
      }
      const next = await m.findOneBy(SigningKeyEntity, { status: 'next' });
      if (next && next.alg === alg) {
        await m.update(SigningKeyEntity, { kid: next.kid }, { status: 'active', activatedAt: now });
      } else {
        if (next) await m.delete(SigningKeyEntity, { kid: next.kid });
        const created = await this.createKey(m, alg, 'active', now);
        this.logger.log(`created ${alg} signing key ${created.kid}`);
      }
      await this.feed.publish(m, KEYS_TOPIC, 'active');
    });
  }

  /**
   * Re-reads the key set. A call made while a reload runs gets a fresh one after it: the running one may
   * have read the database before the caller's change was committed.
   */
  reload(): Promise<void> {
    if (!this.reloading) {
      this.reloading = this.doReload().finally(() => (this.reloading = undefined));
      return this.reloading;
    }
    this.reloadAgain ??= this.reloading
      .catch(() => undefined)
      .then(() => {
        this.reloadAgain = undefined;
        return this.reload();
      });
    return this.reloadAgain;
  }

  private current(): PublishedKeySet {
    const now = this.published.at(Date.now());
    if (now !== this.published) {
      this.published = now;
      // Drop the expired rows too; the in-memory set is already correct without waiting for it.
      void this.reload().catch(() => undefined);
    }
    return now;
  }

  private async doReload(): Promise<void> {
    const rows = await this.ds.getRepository(SigningKeyEntity).find({
      where: { status: In(['next', 'active', 'retired']) },
      order: { createdAt: 'ASC', kid: 'ASC' },
    });
    const now = Date.now();
    const live = rows.filter((r) => r.status !== 'retired' || (r.expiresAt?.getTime() ?? 0) > now);
    const active = live.find((r) => r.status === 'active');
    if (!active) throw new Error('no active signing key in the database');
    if (this.signer?.kid !== active.kid) {
      const pem = this.encrypter.open(active.privateKey, active.kid);
      const key = await importPKCS8(pem, active.alg);
      this.signer = { kid: active.kid, alg: active.alg as SigningAlg, key, activatedAt: active.activatedAt ?? active.createdAt };
    }
    // Active first: clients that pick the first key by kid-less lookup get the signing key.
    const ordered = [active, ...live.filter((r) => r !== active)];
    const previous = this.published;
    this.published = new PublishedKeySet(
      ordered.map((r) => ({
        kid: r.kid,
        jwk: publicOnly(r.publicJwk, r.kid, r.alg),
        verifier: previous.verifier(r.kid) ?? (importJWK(r.publicJwk, r.alg) as Promise<Key>),
        expiresAt: r.status === 'retired' ? r.expiresAt!.getTime() : undefined,
      })),
    );
    const expired = rows.filter((r) => !live.includes(r)).map((r) => r.kid);
    if (expired.length) await this.ds.getRepository(SigningKeyEntity).delete({ kid: In(expired), status: 'retired' });
  }
}

export function publicOnly(jwk: JWK, kid: string, alg: string): JWK {
  const out: Record<string, unknown> = {};
  for (const k of PUBLIC_MEMBERS) if (jwk[k] !== undefined) out[k] = jwk[k];
  return { ...out, kid, alg, use: 'sig' };
}
