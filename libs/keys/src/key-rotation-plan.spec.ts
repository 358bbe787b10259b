import { parseConfig } from '@app/config';
import { planRotation, promotableAt, type RotationKey, type RotationPolicy, rotationPolicy } from './key-rotation-plan';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number): Date => new Date(T0 + s * 1000);
const key = (createdS: number, alg = 'RS256', activatedS: number | null = null): RotationKey => ({
  alg,
  createdAt: at(createdS),
  activatedAt: activatedS === null ? null : at(activatedS),
});
const policy: RotationPolicy = { signingAlg: 'RS256', publishDelaySeconds: 601, retirementWindowSeconds: 700, intervalSeconds: 3600 };

describe('planRotation', () => {
  const active = key(0, 'RS256', 0);

  it('publishes a next key first when there is none', () => {
    expect(planRotation(active, undefined, at(10), policy, 'manual')).toBe('create_next');
    expect(planRotation(active, undefined, at(10), policy, 'scheduled')).toBe('create_next');
  });

  it('replaces a next key of another algorithm (SIGNING_ALG changed)', () => {
    expect(planRotation(active, key(5, 'ES256'), at(5000), policy, 'manual')).toBe('create_next');
  });

  it('promotes on request only once the next key has been published for the publish delay', () => {
    const next = key(100);
    expect(promotableAt(next, policy)).toEqual(at(701));
    expect(planRotation(active, next, at(700), policy, 'manual')).toBe('wait');
    expect(planRotation(active, next, at(701), policy, 'manual')).toBe('promote');
  });

  it('promotes on schedule only when the active key is older than the interval and the next key is ready', () => {
    const next = key(3500);
    expect(planRotation(active, next, at(3599), policy, 'scheduled')).toBe('none');
    // Due, but the next key is only 100 s old.
    expect(planRotation(active, next, at(3600), policy, 'scheduled')).toBe('none');
    expect(planRotation(active, next, at(4101), policy, 'scheduled')).toBe('promote');
    // The interval counts from activation, not creation.
    expect(planRotation(key(0, 'RS256', 3000), key(3100), at(4101), policy, 'scheduled')).toBe('none');
  });

  it('does nothing on schedule when the interval is 0, or without an active key', () => {
    expect(planRotation(active, undefined, at(10), { ...policy, intervalSeconds: 0 }, 'scheduled')).toBe('none');
    expect(planRotation(undefined, key(0), at(10_000), policy, 'manual')).toBe('none');
  });

  it('derives the publish delay and the retirement window from the configuration (rotationPolicy)', () => {
    const config = parseConfig({
      JWKS_MAX_AGE: '600',
      CHANGE_POLL_INTERVAL_MS: '1500',
      MAX_ACCESS_TOKEN_TTL: '3600',
      ACCESS_TOKEN_TTL: '600',
      KEY_RETIREMENT_GRACE: '30',
      KEY_ROTATION_INTERVAL: '86400',
      SIGNING_ALG: 'ES256',
    });
    // Propagation is one change-poll interval, rounded up to whole seconds: 2 s.
    expect(rotationPolicy(config)).toEqual({
      signingAlg: 'ES256',
      publishDelaySeconds: 602,
      retirementWindowSeconds: 3632,
      intervalSeconds: 86400,
    });
  });
});
