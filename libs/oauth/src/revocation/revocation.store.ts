import { Clock } from '@app/config';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { RevokedTokenEntity } from './revoked-token.entity';

/**
 * Revoked token ids in PostgreSQL. Checked on every verification by this server (introspection, admin
 * guard), so a revocation holds on every instance at once. Rows go when the token would have expired.
 */
@Injectable()
export class RevocationStore implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @InjectRepository(RevokedTokenEntity) private readonly repo: Repository<RevokedTokenEntity>,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune().catch(() => undefined), 300_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async revoke(jti: string, clientId: string, expiresAt: Date): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .insert()
      .values({ jti, clientId, revokedAt: new Date(this.clock.now()), expiresAt })
      .orIgnore()
      .execute();
  }

  isRevoked(jti: string): Promise<boolean> {
    return this.repo.existsBy({ jti });
  }

  async prune(): Promise<void> {
    await this.repo.delete({ expiresAt: LessThan(new Date(this.clock.now())) });
  }
}
