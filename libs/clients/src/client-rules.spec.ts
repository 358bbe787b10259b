import { ConfigValidationError, parseConfig } from '@app/config';
import { accessTokenLifetime, CLIENT_CONFIG_RULES, SCOPE_LIST, SCOPE_TOKEN, storableClientId } from './client-rules';

const tokens = (accessTokenTtl: number, maxAccessTokenTtl: number) => ({
  accessTokenTtl,
  maxAccessTokenTtl,
  scopeFormat: 'string' as const,
});

describe('client rules', () => {
  it('SCOPE_TOKEN is RFC 6749 §3.3: printable ASCII except space, double quote and backslash', () => {
    for (const t of ['a', 'orders.read', 'https://api.example/x', "!#$%&'()*+,-./:;<=>?@[]^_`{|}~"]) expect(SCOPE_TOKEN.test(t)).toBe(true);
    for (const t of ['', 'a b', 'a"b', 'a\\b', 'é', 'a\tb', 'a\u0000', 'a\nb']) expect(SCOPE_TOKEN.test(t)).toBe(false);
  });

  it('SCOPE_LIST is scope-tokens separated by single spaces', () => {
    expect(SCOPE_LIST.test('a b c')).toBe(true);
    expect(SCOPE_LIST.test('a')).toBe(true);
    for (const s of ['', ' a', 'a ', 'a  b', 'a\tb', 'a "b"']) expect(SCOPE_LIST.test(s)).toBe(false);
  });

  it('CLIENT_CONFIG_RULES refuse an ADMIN_SCOPE that is not one scope-token, with a clear message among the others', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        parseConfig(env, { rules: CLIENT_CONFIG_RULES });
        return [];
      } catch (e) {
        if (e instanceof ConfigValidationError) return e.problems;
        throw e;
      }
    };
    const refusal = 'ADMIN_SCOPE must be a single RFC 6749 §3.3 scope token';
    for (let c = 1; c < 128; c++) {
      const t = `x${String.fromCharCode(c)}y`;
      expect([t, problems({ ADMIN_SCOPE: t })]).toEqual([t, SCOPE_TOKEN.test(t) ? [] : [refusal]]);
    }
    // Reported together with the config lib's own problems, so one start shows every bad variable.
    expect(problems({ ADMIN_SCOPE: 'admin write', PORT: 'abc' })).toEqual([expect.stringMatching(/^PORT /), refusal]);
    // Without the rules the config lib takes the value as it is: the grammar has no copy there.
    expect(parseConfig({ ADMIN_SCOPE: 'admin write' }).admin.scope).toBe('admin write');
  });

  it('a token lives for the client’s access_token_ttl, else ACCESS_TOKEN_TTL, never above MAX_ACCESS_TOKEN_TTL', () => {
    expect(accessTokenLifetime(null, tokens(600, 3600))).toBe(600);
    expect(accessTokenLifetime(60, tokens(600, 3600))).toBe(60);
    expect(accessTokenLifetime(7200, tokens(600, 3600))).toBe(3600);
  });

  it('a client id with NUL can never be stored (PostgreSQL text), anything else can', () => {
    expect(storableClientId('svc-a')).toBe(true);
    expect(storableClientId('svc\u0000a')).toBe(false);
  });
});
