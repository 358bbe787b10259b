import { KeysConfig } from '@app/config';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { KeyLifecycleService } from './key-lifecycle.service';

/**
 * Runs the rotation schedule on every instance (KEY_ROTATION_INTERVAL > 0). Checking often and cheaply is
 * fine: a run that finds nothing due does one read, and the key lock lets only one instance act.
 */
@Injectable()
export class KeyRotationScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeyRotationScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly lifecycle: KeyLifecycleService,
    private readonly config: KeysConfig,
  ) {}

  /** A quarter of the interval, between 1 s and 1 min: a promotion is at most that late. */
  static checkEveryMs(intervalSeconds: number): number {
    return Math.min(60_000, Math.max(1_000, intervalSeconds * 250));
  }

  onApplicationBootstrap(): void {
    const interval = this.config.rotationIntervalSeconds;
    if (interval <= 0) return;
    this.timer = setInterval(() => void this.run(), KeyRotationScheduler.checkEveryMs(interval));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.lifecycle.runSchedule();
    } catch (err) {
      // Storage faults are retried on the next run; the keys in memory keep signing meanwhile.
      this.logger.warn(`scheduled key rotation check failed: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
