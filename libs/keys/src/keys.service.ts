import { Clock, SigningAlg } from '@app/config';
import { ChangeFeed } from '@app/persistence';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { webcrypto } from 'node:crypto';
import { importJWK, importPKCS8, JWK } from 'jose';
import { DataSource, In } from 'typeorm';
import { KeyEncrypter } from './key-encrypter';
import { KEYS_TOPIC, KeyLifecycleService } from './key-lifecycle.service';
import { JwksDocument, PublishedKeySet } from './published-key-set';
import { SigningKeyEntity } from './signing-key.entity';

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
 * The signing keys in use: loads them (private parts sealed at rest, see KeyEncrypter), holds them in memory
 * already imported so signing costs no storage access and no key parsing per token, signs and publishes the
 * JWKS. Every instance sharing the database reloads on a change (ChangeFeed) and every minute. Changes to the
 * key set are KeyLifecycleService's.
 */
@Injectable()
export class KeysService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeysService.name);
  private signer: ActiveSigner | undefined;
  private published = PublishedKeySet.EMPTY;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private reloadAgain: Promise<void> | undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly encrypter: KeyEncrypter,
    private readonly lifecycle: KeyLifecycleService,
    private readonly clock: Clock,
    feed: ChangeFeed,
  ) {
    feed.subscribe(KEYS_TOPIC, () => void this.reload().catch((e) => this.logger.warn(`key reload failed: ${(e as Error).message}`)));
    lifecycle.onChange(() => this.reload());
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.lifecycle.ensureActiveKey(); // serialised across instances by the key lock
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
    const now = this.published.at(this.clock.now());
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
    const now = this.clock.now();
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
