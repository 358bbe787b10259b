import { Clock, ThrottleConfig } from '@app/config';
import { Injectable, Logger } from '@nestjs/common';
import { TokenBuckets } from './token-buckets';

const MAX_SHOWN = 200;

/**
 * A value from the request made safe for one log line: control characters (C0, DEL, C1, line and paragraph
 * separators), quotes and backslashes escaped, and cut at 200 characters, so a client id cannot forge lines.
 */
export function escapeForLog(value: string): string {
  const cut = value.length > MAX_SHOWN ? value.slice(0, MAX_SHOWN) : value;
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const escaped = cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029"\\]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return value.length > MAX_SHOWN ? `${escaped}…(${value.length} chars)` : escaped;
}

export type SecurityEvent =
  | 'client_auth_failed'
  | 'client_auth_throttled'
  | 'client_auth_shed'
  | 'client_assertion_rejected'
  /** an assertion of a grant taken without client authentication (RFC 7523 §3.1) was refused */
  | 'grant_assertion_rejected';

/**
 * Warn-level security events: each failed client authentication and each throttling decision,
 * with the source address and the client id. Themselves rate-limited (THROTTLE_LOG_PER_MINUTE): events over
 * the limit are counted and the count is reported on the next line written, so a flood cannot fill the disk.
 */
@Injectable()
export class SecurityEvents {
  private readonly logger = new Logger('Security');
  private readonly budget: TokenBuckets;
  private suppressed = 0;

  constructor(throttle: ThrottleConfig, clock: Clock) {
    const perMinute = throttle.logPerMinute;
    this.budget = new TokenBuckets(perMinute, perMinute, 1, () => clock.now());
  }

  record(event: SecurityEvent, source: string, clientId: string, detail?: string): void {
    if (this.budget.level('') < 1) {
      this.suppressed++;
      return;
    }
    this.budget.add('', -1);
    const more = this.suppressed > 0 ? ` (${this.suppressed} more security events not logged)` : '';
    this.suppressed = 0;
    const why = detail ? ` ${detail}` : '';
    this.logger.warn(`${event} source=${escapeForLog(source)} client_id="${escapeForLog(clientId)}"${why}${more}`);
  }
}
