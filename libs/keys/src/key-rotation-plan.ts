import type { AppConfig, SigningAlg } from '@app/config';

/** What a rotation looks at: the active key and the next key, if any. */
export interface RotationKey {
  alg: string;
  createdAt: Date;
  activatedAt: Date | null;
}

export interface RotationPolicy {
  /** The algorithm new keys get (SIGNING_ALG). */
  signingAlg: SigningAlg;
  /**
   * Seconds a next key must have been in the database before it may sign: every instance has reloaded (one
   * change-poll interval) and every verifier's cached copy of the JWKS (max-age) has been refreshed.
   */
  publishDelaySeconds: number;
  /**
   * Seconds a retired key stays published: the longest lifetime of a token it may have signed, plus the time
   * other instances may keep signing with it before they reload, plus the verifiers' clock leeway.
   */
  retirementWindowSeconds: number;
  /** KEY_ROTATION_INTERVAL; 0 = no scheduled rotation. */
  intervalSeconds: number;
}

/** The lifecycle's numbers, all derived from the configuration here. */
export function rotationPolicy(config: Pick<AppConfig, 'database' | 'keys' | 'tokens'>): RotationPolicy {
  // Other instances apply a change within one poll of the change feed.
  const propagationSeconds = Math.ceil(config.database.changePollIntervalMs / 1000);
  return {
    signingAlg: config.keys.signingAlg,
    publishDelaySeconds: config.keys.jwksMaxAgeSeconds + propagationSeconds,
    retirementWindowSeconds: config.tokens.maxAccessTokenTtl + propagationSeconds + config.keys.retirementGraceSeconds,
    intervalSeconds: config.keys.rotationIntervalSeconds,
  };
}

/**
 * - create_next: there is no usable next key (none, or one of another algorithm): publish one first.
 * - wait: the next key has not been published long enough for every cached JWKS to hold it.
 * - promote: next → active, active → retired.
 * - none: a scheduled check with nothing to do yet.
 */
export type RotationStep = 'create_next' | 'wait' | 'promote' | 'none';

/** The earliest time a next key may start signing. */
export function promotableAt(next: RotationKey, policy: RotationPolicy): Date {
  return new Date(next.createdAt.getTime() + policy.publishDelaySeconds * 1000);
}

/**
 * Decides one step of the key lifecycle. `manual` is an operator's rotation (promote as soon as the next key
 * is published long enough); `scheduled` also waits until the active key is KEY_ROTATION_INTERVAL old.
 */
export function planRotation(
  active: RotationKey | undefined,
  next: RotationKey | undefined,
  now: Date,
  policy: RotationPolicy,
  trigger: 'manual' | 'scheduled',
): RotationStep {
  if (!active) return 'none';
  if (trigger === 'scheduled' && policy.intervalSeconds <= 0) return 'none';
  if (!next || next.alg !== policy.signingAlg) return 'create_next';
  const ready = now.getTime() >= promotableAt(next, policy).getTime();
  if (trigger === 'manual') return ready ? 'promote' : 'wait';
  const activeSince = (active.activatedAt ?? active.createdAt).getTime();
  const due = now.getTime() >= activeSince + policy.intervalSeconds * 1000;
  return due && ready ? 'promote' : 'none';
}
