import { checkAudience, checkClientAssertion, checkFederatedAssertion } from './assertion-claims';
import { AssertionRejected } from './assertion-rejected';

const NOW = 1_800_000_000;
const ISSUER = 'https://auth.example.com';
const own = { clientId: 'c1', audiences: [ISSUER], maxLifetime: 300, now: NOW, skew: 30 };
const valid = { iss: 'c1', sub: 'c1', aud: ISSUER, exp: NOW + 60, iat: NOW, jti: 'j1' };

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof AssertionRejected) return err.reason;
    throw err;
  }
}

describe('checkClientAssertion (RFC 7523 §3)', () => {
  it('accepts a valid assertion and returns exp and jti', () => {
    expect(checkClientAssertion(valid, own)).toEqual({ exp: NOW + 60, jti: 'j1' });
  });

  it.each([
    ['iss other than the client', { iss: 'c2' }, 'issuer_mismatch'],
    ['sub other than the client', { sub: 'c2' }, 'subject_mismatch'],
    ['another audience', { aud: 'https://other.example.com' }, 'wrong_audience'],
    ['two audiences', { aud: [ISSUER, 'https://other.example.com'] }, 'wrong_audience'],
    ['an empty audience list', { aud: [] }, 'wrong_audience'],
    ['no exp', { exp: undefined }, 'missing_exp'],
    ['exp as a string', { exp: String(NOW + 60) }, 'malformed'],
    ['exp passed beyond the skew', { exp: NOW - 31 }, 'expired'],
    ['exp too far ahead', { exp: NOW + 331 }, 'lifetime_too_long'],
    ['nbf in the future beyond the skew', { nbf: NOW + 31 }, 'not_yet_valid'],
    ['iat in the future beyond the skew', { iat: NOW + 31 }, 'issued_in_future'],
    ['no jti', { jti: undefined }, 'missing_jti'],
    ['an empty jti', { jti: '' }, 'missing_jti'],
  ])('refuses %s', (_, change, expected) => {
    expect(reason(() => checkClientAssertion({ ...valid, ...change }, own))).toBe(expected);
  });

  it('tolerates the clock skew on exp, nbf and iat', () => {
    expect(reason(() => checkClientAssertion({ ...valid, exp: NOW - 29, nbf: NOW + 29, iat: NOW + 29 }, own))).toBeUndefined();
    expect(reason(() => checkClientAssertion({ ...valid, exp: NOW + 329 }, own))).toBeUndefined();
  });

  it('accepts a one-element aud array, and the token endpoint only when listed', () => {
    expect(reason(() => checkAudience({ aud: [ISSUER] }, [ISSUER]))).toBeUndefined();
    expect(reason(() => checkAudience({ aud: `${ISSUER}/oauth2/token` }, [ISSUER]))).toBe('wrong_audience');
    expect(reason(() => checkAudience({ aud: `${ISSUER}/oauth2/token` }, [ISSUER, `${ISSUER}/oauth2/token`]))).toBeUndefined();
  });
});

describe('checkFederatedAssertion (workload identity federation)', () => {
  const IDP = 'https://token.actions.githubusercontent.com';
  const creds = [
    { issuer: IDP, subject: 'repo:acme/app:ref:refs/heads/main', audience: 'https://github.com/acme', claims: { repository: 'acme/app' } },
    { issuer: 'https://k8s.example.com', subject: 'system:serviceaccount:ns:sa' },
  ];
  const rules = { issuer: IDP, defaultAudience: ISSUER, maxLifetime: 3600, requireJti: false, now: NOW, skew: 30 };
  const token = {
    iss: IDP,
    sub: 'repo:acme/app:ref:refs/heads/main',
    aud: 'https://github.com/acme',
    repository: 'acme/app',
    iat: NOW,
    exp: NOW + 300,
  };

  it('matches the credential of the issuer with the exact subject, audience and claims', () => {
    expect(checkFederatedAssertion(token, creds, rules).credential).toBe(creds[0]);
  });

  it.each([
    ['another subject', { sub: 'repo:acme/app:ref:refs/heads/dev' }, 'subject_mismatch'],
    ['a subject differing only in case', { sub: 'REPO:acme/app:ref:refs/heads/main' }, 'subject_mismatch'],
    ['our issuer as aud when the credential names another', { aud: ISSUER }, 'wrong_audience'],
    ['a failing claim condition', { repository: 'acme/other' }, 'claim_condition'],
    ['a missing claim', { repository: undefined }, 'claim_condition'],
    ['a lifetime beyond the issuer maximum (exp − iat)', { exp: NOW + 3601 }, 'lifetime_too_long'],
    ['neither iat nor nbf', { iat: undefined }, 'malformed'],
    ['an expired token', { exp: NOW - 60 }, 'expired'],
  ])('refuses %s', (_, change, expected) => {
    expect(reason(() => checkFederatedAssertion({ ...token, ...change }, creds, rules))).toBe(expected);
  });

  it('measures the lifetime as exp − nbf when there is no iat', () => {
    const t = { ...token, iat: undefined, nbf: NOW - 3000, exp: NOW + 601 };
    expect(reason(() => checkFederatedAssertion(t, creds, rules))).toBe('lifetime_too_long');
    expect(reason(() => checkFederatedAssertion({ ...t, exp: NOW + 600 }, creds, rules))).toBeUndefined();
  });

  it('defaults the audience to our issuer identifier', () => {
    const k8s = { iss: 'https://k8s.example.com', sub: 'system:serviceaccount:ns:sa', aud: [ISSUER], iat: NOW, exp: NOW + 3600 };
    const r = { ...rules, issuer: 'https://k8s.example.com' };
    expect(reason(() => checkFederatedAssertion(k8s, creds, r))).toBeUndefined();
    expect(reason(() => checkFederatedAssertion({ ...k8s, aud: ['https://kubernetes.default.svc'] }, creds, r))).toBe('wrong_audience');
  });

  it('requires a jti only with replay protection', () => {
    expect(checkFederatedAssertion(token, creds, rules).jti).toBeUndefined();
    expect(reason(() => checkFederatedAssertion(token, creds, { ...rules, requireJti: true }))).toBe('missing_jti');
    expect(checkFederatedAssertion({ ...token, jti: 'j' }, creds, { ...rules, requireJti: true }).jti).toBe('j');
  });
});
