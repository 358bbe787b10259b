import { Clock } from '@app/config';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

const CLEANUP_INTERVAL_MS = 60_000;

/**
 * Assertion ids already accepted (RFC 7523 §3 item 7), shared by every instance through PostgreSQL: the primary key
 * (issuer, jti) makes a second use fail however many instances race. An id is kept until its assertion expires;
 * an expired row may be taken over. This insert is the one database write on the token path, only for assertion
 * clients, so they answer 503 while the database is down (the error propagates to the exception filter).
 */
@Injectable()
export class UsedAssertionIds implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UsedAssertionIds.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.cleanup(), CLEANUP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** True when this is the first use of (issuer, jti); false for a replay. */
  async consume(issuer: string, jti: string, expSeconds: number): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `INSERT INTO used_assertion_ids (issuer, jti, expires_at) VALUES ($1, $2, to_timestamp($3))
       ON CONFLICT (issuer, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE used_assertion_ids.expires_at < to_timestamp($4)
       RETURNING jti`,
      [issuer, jti, expSeconds, this.clock.now() / 1000],
    );
    return rows.length === 1;
  }

  async cleanup(): Promise<void> {
    try {
      await this.ds.query('DELETE FROM used_assertion_ids WHERE expires_at < to_timestamp($1)', [this.clock.now() / 1000]);
    } catch (err) {
      this.logger.warn(`clean-up of used assertion ids failed: ${(err as Error).message}`);
    }
  }
}
