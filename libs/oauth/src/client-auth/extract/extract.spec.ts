import type { ApiError } from '../../errors';
import { extractCredentials } from '.';

const REALM = 'https://as.example';
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const src = (params: Record<string, string>, authorization?: string) => ({ authorization, params: new Map(Object.entries(params)) });

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const err = e as ApiError;
    return `${err.status} ${err.error}: ${err.description}`;
  }
  return 'no refusal';
}

describe('extractCredentials: one method per request, turned into {method, clientId, proof}', () => {
  it('reads client_secret_basic from the Authorization header', () => {
    expect(extractCredentials(src({ grant_type: 'client_credentials' }, basic('svc', 's3cret')), REALM)).toEqual({
      method: 'client_secret_basic',
      clientId: 'svc',
      proof: { kind: 'secret', secret: 's3cret' },
    });
  });

  it('reads client_secret_post from the body, and requires its client_id', () => {
    expect(extractCredentials(src({ client_id: 'svc', client_secret: 's3cret' }), REALM)).toEqual({
      method: 'client_secret_post',
      clientId: 'svc',
      proof: { kind: 'secret', secret: 's3cret' },
    });
    expect(refusal(() => extractCredentials(src({ client_secret: 's3cret' }), REALM))).toBe(
      '400 invalid_request: client_secret without client_id',
    );
  });

  it('reads a JWT assertion, naming the body client_id or else the unverified iss', () => {
    const jwt = `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('{"iss":"svc"}').toString('base64url')}.sig`;
    const type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    expect(extractCredentials(src({ client_assertion_type: type, client_assertion: jwt }), REALM)).toEqual({
      method: 'jwt_assertion',
      clientId: 'svc',
      proof: { kind: 'assertion', assertion: jwt, bodyClientId: undefined },
    });
    expect(extractCredentials(src({ client_assertion_type: type, client_assertion: jwt, client_id: 'other' }), REALM).clientId).toBe(
      'other',
    );
    expect(refusal(() => extractCredentials(src({ client_assertion: jwt }), REALM))).toBe(
      '400 invalid_request: client_assertion without client_assertion_type (RFC 7521 §4.2)',
    );
    expect(refusal(() => extractCredentials(src({ client_assertion_type: 'x', client_assertion: jwt }), REALM))).toMatch(
      /^400 invalid_request: client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer/,
    );
  });

  it('refuses two methods at once (RFC 6749 §2.3), a mismatched body client_id, and no method at all', () => {
    const twice = 'Use exactly one client authentication method (RFC 6749 §2.3)';
    expect(refusal(() => extractCredentials(src({ client_id: 'svc', client_secret: 'x' }, basic('svc', 'x')), REALM))).toBe(
      `400 invalid_request: ${twice}`,
    );
    expect(refusal(() => extractCredentials(src({ client_assertion: 'a', client_secret: 'x', client_id: 'svc' }), REALM))).toBe(
      `400 invalid_request: ${twice}`,
    );
    expect(refusal(() => extractCredentials(src({ client_id: 'other' }, basic('svc', 'x')), REALM))).toBe(
      '400 invalid_request: client_id in the body does not match the authenticated client',
    );
    expect(refusal(() => extractCredentials(src({}, 'Bearer abc'), REALM))).toBe('401 invalid_client: Client authentication failed');
    expect(refusal(() => extractCredentials(src({ grant_type: 'client_credentials' }), REALM))).toBe(
      '401 invalid_client: Client authentication failed',
    );
  });
});
