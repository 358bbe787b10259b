import { AppConfig } from '@app/config';
import { ChangeFeed } from '@app/persistence';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager, In, MoreThan } from 'typeorm';
import { recordKeyAudit, SCHEDULER_ACTOR } from './key-audit';
import { dbNow, lockKeys, tryLockKeys } from './key-lock';
import { planRotation, promotableAt, RotationPolicy, RotationStep } from './key-rotation-plan';
import { KeyView, toKeyView } from './key-view';
import { KEYS_TOPIC, KeysService } from './keys.service';
import { SigningKeyEntity } from './signing-key.entity';

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
 * The signing-key lifecycle: next (published, not signing) → active → retired (published until every token
 * it signed has expired) → deleted. Every change runs in one transaction under the key lock, re-reads the
 * state after taking it (so of instances racing, one acts and the others see the result), records an audit
 * row and publishes KEYS_TOPIC, so every instance reloads the same key set within one change-poll interval.
 */
@Injectable()
export class KeyRotationService {
  private readonly logger = new Logger(KeyRotationService.name);

  constructor(
    private readonly ds: DataSource,
    private readonly config: AppConfig,
    private readonly keys: KeysService,
    private readonly feed: ChangeFeed,
  ) {}

  /** Every key still in the database and not past its expiry, newest first. */
  async list(): Promise<KeyView[]> {
    const rows = await this.ds.getRepository(SigningKeyEntity).find({
      where: [{ status: In(['next', 'active']) }, { status: 'retired', expiresAt: MoreThan(new Date()) }],
      order: { createdAt: 'DESC', kid: 'ASC' },
    });
    return rows.map((r) => this.view(r));
  }

  /** An operator's rotation (admin API, CLI). */
  async rotate(actor: string, options: { immediate?: boolean } = {}): Promise<RotationOutcome> {
    const outcome = await this.ds.transaction(async (m) => {
      await lockKeys(m);
      const now = await dbNow(m);
      const keys = await this.readPair(m);
      if (!keys.active) throw new NoActiveKeyError();
      if (options.immediate) return this.replaceAtOnce(m, now, keys, actor);
      const step = planRotation(keys.active, keys.next, now, this.policy(), 'manual');
      return this.apply(m, now, keys, step, actor);
    });
    await this.reloadHere();
    return outcome!;
  }

  /**
   * One run of the schedule (KEY_ROTATION_INTERVAL): keeps a next key published and promotes it once the
   * active key is old enough. Reads without the lock first (most runs have nothing to do); when another
   * instance holds the lock this one skips the run. Returns what changed, if anything.
   */
  async runSchedule(): Promise<RotationOutcome | undefined> {
    if (this.config.keys.rotationIntervalSeconds <= 0) return undefined;
    const peek = await this.readPair(this.ds.manager);
    const step = planRotation(peek.active, peek.next, await dbNow(this.ds.manager), this.policy(), 'scheduled');
    if (step === 'none') return undefined;
    const outcome = await this.ds.transaction(async (m) => {
      if (!(await tryLockKeys(m))) return undefined;
      const now = await dbNow(m);
      const keys = await this.readPair(m);
      const again = planRotation(keys.active, keys.next, now, this.policy(), 'scheduled');
      if (again === 'none') return undefined;
      return this.apply(m, now, keys, again, SCHEDULER_ACTOR);
    });
    if (outcome) {
      await this.reloadHere();
      this.logger.log(outcome.rotated ? `scheduled rotation: ${outcome.active.kid} signs now` : `published next key ${outcome.next.kid}`);
    }
    return outcome;
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
    const next = await this.keys.createKey(m, this.config.keys.signingAlg, 'next', now);
    await recordKeyAudit(m, actor, 'keys.next_created', { next: next.kid, alg: next.alg, replaced: stale?.kid ?? null });
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
    active.status = 'retired';
    active.retiredAt = now;
    active.expiresAt = new Date(now.getTime() + this.keys.retirementWindowSeconds() * 1000);
    await m.update(
      SigningKeyEntity,
      { kid: active.kid, status: 'active' },
      { status: 'retired', retiredAt: active.retiredAt, expiresAt: active.expiresAt },
    );
    next.status = 'active';
    next.activatedAt = now;
    await m.update(SigningKeyEntity, { kid: next.kid, status: 'next' }, { status: 'active', activatedAt: now });
    const fresh = await this.keys.createKey(m, this.config.keys.signingAlg, 'next', now);
    await recordKeyAudit(m, actor, 'keys.rotated', {
      active: next.kid,
      retired: active.kid,
      retired_until: active.expiresAt.toISOString(),
      next: fresh.kid,
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
    const active = await this.keys.createKey(m, this.config.keys.signingAlg, 'active', now);
    const next = await this.keys.createKey(m, this.config.keys.signingAlg, 'next', now);
    await recordKeyAudit(m, actor, 'keys.rotated_immediately', { active: active.kid, removed, next: next.kid });
    await this.feed.publish(m, KEYS_TOPIC, active.kid);
    this.logger.warn(`emergency rotation by ${actor}: removed ${removed.join(', ')}; ${active.kid} signs now`);
    return { rotated: true, active: this.view(active), next: this.view(next), removed };
  }

  private async readPair(m: EntityManager): Promise<KeyPair> {
    const rows = await m.find(SigningKeyEntity, { where: { status: In(['active', 'next']) } });
    return { active: rows.find((r) => r.status === 'active'), next: rows.find((r) => r.status === 'next') };
  }

  private policy(): RotationPolicy {
    return {
      signingAlg: this.config.keys.signingAlg,
      publishDelaySeconds: this.keys.publishDelaySeconds(),
      intervalSeconds: this.config.keys.rotationIntervalSeconds,
    };
  }

  private view(row: SigningKeyEntity): KeyView {
    return toKeyView(row, row.status === 'next' ? promotableAt(row, this.policy()) : undefined);
  }

  /** This instance switches before answering; the others follow through the change feed. */
  private async reloadHere(): Promise<void> {
    await this.keys.reload().catch((e: unknown) => this.logger.warn(`key reload after rotation failed: ${(e as Error).message}`));
  }
}
