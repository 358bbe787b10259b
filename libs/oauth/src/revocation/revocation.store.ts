import { Clock } from '@app/config';
import { ALL_KEYS, ChangeFeed, type ChangeTopic } from '@app/persistence';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, MoreThan, Repository } from 'typeorm';
import { RevokedSet } from './revoked-set';
import { RevokedTokenEntity } from './revoked-token.entity';

/** Change-feed topic of revocations; the key is `<exp seconds> <jti>`. */
/** A revoked token id and its expiry (epoch seconds): kept until then. */
export interface Revocation {
  readonly exp: number;
  readonly jti: string;
}

export const REVOCATION_TOPIC: ChangeTopic<Revocation> = {
  name: 'revocation',
  encode: ({ exp, jti }) => `${exp} ${jti}`,
  decode: (raw) => {
    const space = raw.indexOf(' ');
    const exp = Number(raw.slice(0, space));
    return space > 0 && Number.isInteger(exp) ? { jti: raw.slice(space + 1), exp } : undefined;
  },
};

const MAX_IN_MEMORY = 100_000;

/**
 * Revoked token ids: kept in PostgreSQL until the token would have expired, and mirrored in memory so a
 * verification (introspection, admin guard) needs no round trip. A revocation is written and published on
 * the change feed in one transaction: this instance sees it as soon as it commits, every other instance
 * within one change-poll interval. When the mirror cannot be trusted (not loaded yet, over its bound, or the
 * feed was unreachable longer than its window) the table is asked instead.
 */
@Injectable()
export class RevocationStore implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationStore.name);
  private readonly revoked = new RevokedSet(MAX_IN_MEMORY);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectRepository(RevokedTokenEntity) private readonly repo: Repository<RevokedTokenEntity>,
    private readonly feed: ChangeFeed,
    private readonly clock: Clock,
  ) {
    feed.subscribe(REVOCATION_TOPIC, (key) => {
      if (key === ALL_KEYS) {
        this.revoked.invalidate();
        void this.reload();
        return;
      }
      this.revoked.add(key.jti, key.exp);
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.prune().catch(() => undefined), 300_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Records a revocation and publishes it, unless the token is revoked already (RFC 7009 §2.2 answers 200 either
   * way): then nothing is written, so repeating a revocation costs no change-log row and no work on any instance.
   * Resolves true when this call revoked the token.
   */
  async revoke(jti: string, clientId: string, expiresAt: Date): Promise<boolean> {
    if (this.revoked.has(jti)) return false;
    return this.repo.manager.transaction(async (m) => {
      const inserted = await m
        .createQueryBuilder()
        .insert()
        .into(RevokedTokenEntity)
        .values({ jti, clientId, revokedAt: new Date(this.clock.now()), expiresAt })
        .orIgnore()
        .returning('jti')
        .execute();
      if ((inserted.raw as unknown[]).length === 0) return false;
      await this.feed.publish(m, REVOCATION_TOPIC, { exp: Math.ceil(expiresAt.getTime() / 1000), jti });
      return true;
    });
  }

  /** True when this instance already holds the revocation (no database needed to know it). */
  knows(jti: string): boolean {
    return this.revoked.has(jti);
  }

  async isRevoked(jti: string): Promise<boolean> {
    if (this.revoked.complete) return this.revoked.has(jti);
    return this.repo.existsBy({ jti });
  }

  async prune(): Promise<void> {
    this.revoked.prune(this.clock.nowSeconds());
    await this.repo.delete({ expiresAt: LessThan(new Date(this.clock.now())) });
    if (!this.revoked.complete) await this.reload();
  }

  /** Reads every unexpired revocation into memory (at most the bound, plus one to notice an overflow). */
  private async reload(): Promise<void> {
    try {
      const rows = await this.repo.find({
        select: { jti: true, expiresAt: true },
        where: { expiresAt: MoreThan(new Date(this.clock.now())) },
        take: MAX_IN_MEMORY + 1,
      });
      this.revoked.load(rows.map((r) => [r.jti, Math.ceil(r.expiresAt.getTime() / 1000)]));
    } catch (err) {
      this.logger.warn(`could not load revoked tokens, asking the database per check: ${(err as Error).message}`);
    }
  }
}
