import { Clock, DatabaseConfig, KeysConfig, SigningAlg, TokenConfig } from '@app/config';
import { AuditTrail, ChangeFeed, textTopic } from '@app/persistence';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager, In, MoreThan } from 'typeorm';
import { KeyEncrypter, sealedWith } from './key-encrypter';
import { generateSigningKey } from './key-factory';
import { dbNow, lockKeys, tryLockKeys } from './key-lock';
import { planRotation, promotableAt, RotationPolicy, rotationPolicy, RotationStep } from './key-rotation-plan';
import { KeyView, toKeyView } from './key-view';
import { SigningKeyEntity } from './signing-key.entity';

/** The change-feed topic of the signing-key set: every instance reloads its keys on it. */
export const KEYS_TOPIC = textTopic('keys');

/** The actor recorded for changes made by the rotation schedule rather than an operator. */
export const SCHEDULER_ACTOR = 'system:key-rotation-schedule';
/** The actor recorded for the key a start creates or activates (first start, SIGNING_ALG changed). */
export const STARTUP_ACTOR = 'system:startup';

/**
 * The result of a rotation request. `rotated: false`: a next key is published and will be promoted from
 * `next.not_before` on (ask again then). `rotated: true`: `active` signs now; a normal rotation lists the
 * `retired` key (published until its `expires_at`), an emergency one the `removed` kids (gone from the JWKS).
 */
export interface RotationOutcome {
  rotated: boolean;
  active: KeyView;
  next: KeyView;
  retired?: KeyView;
  removed?: string[];
}

export interface ReencryptionResult {
  /** The key-encryption key every private key is sealed with now. */
  sealing_key_id: string;
  total: number;
  /** kid → id of the key-encryption key it was sealed with before. */
  resealed: Record<string, string>;
}

/** Thrown when there is no active key to rotate from (the server has never started on this database). */
export class NoActiveKeyError extends Error {
  constructor() {
    super('no active signing key: start the server once on this database first');
    this.name = 'NoActiveKeyError';
  }
}

interface KeyPair {
  active: SigningKeyEntity | undefined;
  next: SigningKeyEntity | undefined;
}

/**
 * Every state change of the signing keys, and nothing else: create (next, or active on a first start), promote
 * (next → active), retire (active → retired, published until every token it signed has expired), remove
 * (emergency rotation, expiry is KeysService's clean-up of rows already out of the JWKS) and re-encrypt. Each
 * change runs in one transaction under the key lock, re-reads the state after taking it (so of instances racing,
 * one acts and the others see the result), writes its audit row and publishes KEYS_TOPIC, so every instance
 * reloads the same key set within one change-poll interval. Its numbers come from rotationPolicy (keys, token lifetimes, the change poll).
 */
@Injectable()
export class KeyLifecycleService {
  private readonly logger = new Logger(KeyLifecycleService.name);
  private readonly policy: RotationPolicy;
  private readonly appliers = new Set<() => Promise<void>>();

  constructor(
    private readonly ds: DataSource,
    database: DatabaseConfig,
    keys: KeysConfig,
    tokens: TokenConfig,
    private readonly encrypter: KeyEncrypter,
    private readonly feed: ChangeFeed,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {
    this.policy = rotationPolicy({ database, keys, tokens });
  }

  /**
   * Registers what applies a committed change in this process (KeysService reloads), awaited before a change
   * returns, so this instance signs with the new key before the caller hears of it; the others follow through
   * the change feed. The command-line tool registers nothing.
   */
  onChange(apply: () => Promise<void>): void {
    this.appliers.add(apply);
  }

  /** Every key still in the database and not past its expiry, newest first. */
  async list(): Promise<KeyView[]> {
    const rows = await this.ds.getRepository(SigningKeyEntity).find({
      where: [{ status: In(['next', 'active']) }, { status: 'retired', expiresAt: MoreThan(new Date(this.clock.now())) }],
      order: { createdAt: 'DESC', kid: 'ASC' },
    });
    return rows.map((r) => this.view(r));
  }

  /**
   * On start: make sure exactly one active key exists, with the configured algorithm. A change of SIGNING_ALG
   * retires the old key (still published until its tokens expire) and activates a new one (the next key, if it
   * has that algorithm). KeysService calls it before its first load.
   */
  async ensureActiveKey(): Promise<void> {
    const alg = this.policy.signingAlg;
    await this.ds.transaction(async (m) => {
      // Same lock as rotations, so a start with a new SIGNING_ALG cannot interleave with a rotation.
      await lockKeys(m);
      const keys = await this.readPair(m);
      if (keys.active && keys.active.alg === alg) return;
      const now = await dbNow(m);
      if (keys.active) {
        await this.retire(m, now, keys.active);
        await this.audit.record(m, {
          actor: STARTUP_ACTOR,
          action: 'keys.retired',
          clientId: null,
          details: { retired: keys.active.kid, retired_until: keys.active.expiresAt!.toISOString(), reason: `SIGNING_ALG is ${alg}` },
        });
        this.logger.log(`SIGNING_ALG changed from ${keys.active.alg} to ${alg}: retired key ${keys.active.kid}`);
      }
      let active: SigningKeyEntity;
      if (keys.next && keys.next.alg === alg) {
        active = await this.activate(m, now, keys.next);
      } else {
        if (keys.next) await m.delete(SigningKeyEntity, { kid: keys.next.kid });
        active = await this.createKey(m, alg, 'active', now);
        this.logger.log(`created ${alg} signing key ${active.kid}`);
      }
      await this.audit.record(m, {
        actor: STARTUP_ACTOR,
        action: 'keys.activated',
        clientId: null,
        details: { active: active.kid, alg, promoted: active.kid === keys.next?.kid, replaced: keys.active?.kid ?? null },
      });
      await this.feed.publish(m, KEYS_TOPIC, 'active');
    });
  }

  /** An operator's rotation (admin API, CLI). */
  async rotate(actor: string, options: { immediate?: boolean } = {}): Promise<RotationOutcome> {
    const outcome = await this.ds.transaction(async (m) => {
      await lockKeys(m);
      const now = await dbNow(m);
      const keys = await this.readPair(m);
      if (!keys.active) throw new NoActiveKeyError();
      if (options.immediate) return this.replaceAtOnce(m, now, keys, actor);
      const step = planRotation(keys.active, keys.next, now, this.policy, 'manual');
      return this.apply(m, now, keys, step, actor);
    });
    await this.applyHere();
    return outcome!;
  }

  /**
   * One run of the schedule (KEY_ROTATION_INTERVAL): keeps a next key published and promotes it once the
   * active key is old enough. Reads without the lock first (most runs have nothing to do); when another
   * instance holds the lock this one skips the run. Returns what changed, if anything.
   */
  async runSchedule(): Promise<RotationOutcome | undefined> {
    if (this.policy.intervalSeconds <= 0) return undefined;
    const peek = await this.readPair(this.ds.manager);
    const step = planRotation(peek.active, peek.next, await dbNow(this.ds.manager), this.policy, 'scheduled');
    if (step === 'none') return undefined;
    const outcome = await this.ds.transaction(async (m) => {
      if (!(await tryLockKeys(m))) return undefined;
      const now = await dbNow(m);
      const keys = await this.readPair(m);
      const again = planRotation(keys.active, keys.next, now, this.policy, 'scheduled');
      if (again === 'none') return undefined;
      return this.apply(m, now, keys, again, SCHEDULER_ACTOR);
    });
    if (outcome) {
      await this.applyHere();
      this.logger.log(outcome.rotated ? `scheduled rotation: ${outcome.active.kid} signs now` : `published next key ${outcome.next.kid}`);
    }
    return outcome;
  }

  /**
   * KEK rotation, step two: with the new key first in KEY_ENCRYPTION_KEYS and the old one still listed, re-seal
   * every stored private key under the new one, all in one transaction (all or nothing). Afterwards the old
   * key can be removed from KEY_ENCRYPTION_KEYS. The public keys do not change, so nothing needs reloading.
   */
  async reencrypt(actor: string): Promise<ReencryptionResult> {
    return this.ds.transaction(async (m) => {
      await lockKeys(m);
      const rows = await m.find(SigningKeyEntity, { order: { createdAt: 'ASC', kid: 'ASC' } });
      const resealed: Record<string, string> = {};
      for (const row of rows) {
        if (this.encrypter.isCurrent(row.privateKey)) continue;
        const pem = this.encrypter.open(row.privateKey, row.kid);
        await m.update(SigningKeyEntity, { kid: row.kid }, { privateKey: this.encrypter.seal(pem, row.kid) });
        resealed[row.kid] = sealedWith(row.privateKey);
      }
      if (Object.keys(resealed).length) {
        await this.audit.record(m, {
          actor,
          action: 'keys.reencrypted',
          clientId: null,
          details: { sealing_key_id: this.encrypter.sealingKeyId, resealed },
        });
      }
      return { sealing_key_id: this.encrypter.sealingKeyId, total: rows.length, resealed };
    });
  }

  private async apply(m: EntityManager, now: Date, keys: KeyPair, step: RotationStep, actor: string): Promise<RotationOutcome | undefined> {
    const active = keys.active!;
    switch (step) {
      case 'create_next': {
        const next = await this.createNext(m, now, keys.next, actor);
        return { rotated: false, active: this.view(active), next: this.view(next) };
      }
      case 'wait':
        return { rotated: false, active: this.view(active), next: this.view(keys.next!) };
      case 'promote':
        return this.promote(m, now, active, keys.next!, actor);
      case 'none':
        return undefined;
    }
  }

  private async createNext(m: EntityManager, now: Date, stale: SigningKeyEntity | undefined, actor: string): Promise<SigningKeyEntity> {
    // A next key of another algorithm (SIGNING_ALG changed) never signed anything: it can go at once.
    if (stale) await m.delete(SigningKeyEntity, { kid: stale.kid });
    const next = await this.createKey(m, this.policy.signingAlg, 'next', now);
    await this.audit.record(m, {
      actor,
      action: 'keys.next_created',
      clientId: null,
      details: { next: next.kid, alg: next.alg, replaced: stale?.kid ?? null },
    });
    await this.feed.publish(m, KEYS_TOPIC, next.kid);
    return next;
  }

  private async promote(
    m: EntityManager,
    now: Date,
    active: SigningKeyEntity,
    next: SigningKeyEntity,
    actor: string,
  ): Promise<RotationOutcome> {
    // Order matters for the partial unique indexes: no active key, then no next key, then a new next key.
    await this.retire(m, now, active);
    await this.activate(m, now, next);
    const fresh = await this.createKey(m, this.policy.signingAlg, 'next', now);
    await this.audit.record(m, {
      actor,
      action: 'keys.rotated',
      clientId: null,
      details: { active: next.kid, retired: active.kid, retired_until: active.expiresAt!.toISOString(), next: fresh.kid },
    });
    await this.feed.publish(m, KEYS_TOPIC, next.kid);
    return { rotated: true, active: this.view(next), retired: this.view(active), next: this.view(fresh) };
  }

  /**
   * Emergency rotation for a leaked key: the active key is deleted, so it leaves the JWKS at once and every
   * token it signed stops verifying. The next key shares the leaked key's storage, so it is replaced too.
   * Retired keys stay: they no longer sign, and the tokens they signed are still legitimate.
   */
  private async replaceAtOnce(m: EntityManager, now: Date, keys: KeyPair, actor: string): Promise<RotationOutcome> {
    const removed = [keys.active!.kid, ...(keys.next ? [keys.next.kid] : [])];
    await m.delete(SigningKeyEntity, { kid: In(removed) });
    const alg = this.policy.signingAlg;
    const active = await this.createKey(m, alg, 'active', now);
    const next = await this.createKey(m, alg, 'next', now);
    await this.audit.record(m, {
      actor,
      action: 'keys.rotated_immediately',
      clientId: null,
      details: { active: active.kid, removed, next: next.kid },
    });
    await this.feed.publish(m, KEYS_TOPIC, active.kid);
    this.logger.warn(`emergency rotation by ${actor}: removed ${removed.join(', ')}; ${active.kid} signs now`);
    return { rotated: true, active: this.view(active), next: this.view(next), removed };
  }

  /** Creates and stores a key in the given status, its private part sealed under the first KEK. */
  private async createKey(m: EntityManager, alg: SigningAlg, status: 'next' | 'active', now: Date): Promise<SigningKeyEntity> {
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

  /** active → retired: it stops signing and stays published for the retirement window. Updates `key` too. */
  private async retire(m: EntityManager, now: Date, key: SigningKeyEntity): Promise<void> {
    key.status = 'retired';
    key.retiredAt = now;
    key.expiresAt = new Date(now.getTime() + this.policy.retirementWindowSeconds * 1000);
    await m.update(
      SigningKeyEntity,
      { kid: key.kid, status: 'active' },
      { status: 'retired', retiredAt: key.retiredAt, expiresAt: key.expiresAt },
    );
  }

  /** next → active. Updates `key` too. */
  private async activate(m: EntityManager, now: Date, key: SigningKeyEntity): Promise<SigningKeyEntity> {
    key.status = 'active';
    key.activatedAt = now;
    await m.update(SigningKeyEntity, { kid: key.kid, status: 'next' }, { status: 'active', activatedAt: now });
    return key;
  }

  private async readPair(m: EntityManager): Promise<KeyPair> {
    const rows = await m.find(SigningKeyEntity, { where: { status: In(['active', 'next']) } });
    return { active: rows.find((r) => r.status === 'active'), next: rows.find((r) => r.status === 'next') };
  }

  private view(row: SigningKeyEntity): KeyView {
    return toKeyView(row, row.status === 'next' ? promotableAt(row, this.policy) : undefined);
  }

  /** This process applies a committed change before answering; the others follow through the change feed. */
  private async applyHere(): Promise<void> {
    for (const apply of this.appliers) {
      await apply().catch((e: unknown) => this.logger.warn(`applying a key change failed: ${(e as Error).message}`));
    }
  }
}
