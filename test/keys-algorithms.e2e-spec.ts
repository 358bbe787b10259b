import type { KeyView } from '@app/keys';
import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createTestDatabase } from './support/database';
import { adminApi } from './support/admin-api';
import { fetchJwks, kids, playgroundToken, PRIVATE_MEMBERS } from './support/keys';
import { startTestApp } from './support/test-app';

/** What each SIGNING_ALG publishes (RFC 7518 §6, RFC 8037 §2). */
const EXPECTED = {
  RS256: { kty: 'RSA', members: ['alg', 'e', 'kid', 'kty', 'n', 'use'] },
  PS256: { kty: 'RSA', members: ['alg', 'e', 'kid', 'kty', 'n', 'use'] },
  ES256: { kty: 'EC', crv: 'P-256', members: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'] },
  EdDSA: { kty: 'OKP', crv: 'Ed25519', members: ['alg', 'crv', 'kid', 'kty', 'use', 'x'] },
} as const;

describe.each(Object.keys(EXPECTED) as (keyof typeof EXPECTED)[])('SIGNING_ALG=%s end to end', (alg) => {
  it('issues a token that verifies against the published JWKS', async () => {
    const t = await startTestApp({ SIGNING_ALG: alg });
    try {
      const { token, header } = await playgroundToken(t.baseUrl);
      expect(header).toEqual({ alg, kid: expect.any(String), typ: 'at+jwt' });

      const jwks = await fetchJwks(t.baseUrl);
      expect(jwks.cacheControl).toBe('public, max-age=600');
      expect(jwks.keys).toHaveLength(1);
      const [jwk] = jwks.keys;
      expect(Object.keys(jwk).sort()).toEqual(EXPECTED[alg].members);
      expect(jwk).toMatchObject({ kid: header.kid, alg, use: 'sig', kty: EXPECTED[alg].kty });
      if ('crv' in EXPECTED[alg]) expect(jwk.crv).toBe(EXPECTED[alg].crv);
      for (const m of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(m);

      const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${t.baseUrl}/oauth2/jwks`)), {
        issuer: t.issuer,
        audience: 'service-client-jwt',
        typ: 'at+jwt',
        algorithms: [alg],
      });
      expect(protectedHeader.alg).toBe(alg);
      expect(payload.client_id).toBe('service-client-jwt');

      const listed = (await adminApi(t).get('/admin/keys')).body.items as KeyView[];
      expect(listed.map((k) => [k.kid, k.alg, k.status])).toEqual([[header.kid, alg, 'active']]);
    } finally {
      await t.close();
    }
  });
});

describe('changing SIGNING_ALG on a restart', () => {
  it('retires the old key, still published for its tokens, and signs with a new key of the new algorithm', async () => {
    const db = await createTestDatabase();
    // The same issuer and KEK across the restart, as for one deployment.
    const same = { KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'), ISSUER: 'http://auth.example.test/ms-auth-server' };
    try {
      const rs = await startTestApp({ SIGNING_ALG: 'RS256', ...same }, db);
      const old = await playgroundToken(rs.baseUrl);
      await rs.close();

      const es = await startTestApp({ SIGNING_ALG: 'ES256', ...same }, db);
      try {
        const fresh = await playgroundToken(es.baseUrl);
        expect(fresh.header.alg).toBe('ES256');
        expect(fresh.header.kid).not.toBe(old.header.kid);

        const jwks = await fetchJwks(es.baseUrl);
        expect(kids(jwks.keys)).toEqual([fresh.header.kid, old.header.kid]);
        expect(jwks.keys.map((k) => k.alg)).toEqual(['ES256', 'RS256']);
        const remote = createRemoteJWKSet(new URL(`${es.baseUrl}/oauth2/jwks`));
        await expect(jwtVerify(old.token, remote, { issuer: es.issuer, typ: 'at+jwt' })).resolves.toBeDefined();
        await expect(jwtVerify(fresh.token, remote, { issuer: es.issuer, typ: 'at+jwt' })).resolves.toBeDefined();

        const listed = (await adminApi(es).get('/admin/keys')).body.items as KeyView[];
        const retired = listed.find((k) => k.kid === old.header.kid)!;
        expect(retired).toMatchObject({ alg: 'RS256', status: 'retired' });
        // MAX_ACCESS_TOKEN_TTL (86400) + one change-poll interval (1 s) + KEY_RETIREMENT_GRACE (60).
        expect(Date.parse(retired.expires_at!) - Date.parse(retired.retired_at!)).toBe((86400 + 1 + 60) * 1000);
        expect(listed.find((k) => k.kid === fresh.header.kid)).toMatchObject({ alg: 'ES256', status: 'active' });
      } finally {
        await es.close();
      }
    } finally {
      await db.drop();
    }
  });
});
