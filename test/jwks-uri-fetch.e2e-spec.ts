import { fetchJson } from '../libs/oauth/src/client-auth/assertion/guarded-fetch';
import { adminApi, adminToken } from './support/admin-api';
import { clientAssertion, fakeHttp, type FakeHttp, JWT_BEARER, sendJson, signingKey, type SigningKey } from './support/assertions';
import { postForm, startTestApp, type TestApp } from './support/test-app';

/*
 * Fetching a URL an admin typed (jwks_uri, trusted-issuer discovery) is guarded against SSRF: no
 * redirect to another host, a size limit, and in production no private, loopback or link-local address unless a
 * trusted issuer allows it.
 */
describe('jwks_uri fetching', () => {
  const register = async (t: TestApp, clientId: string, jwksUri: string): Promise<void> => {
    const res = await adminApi(t, await adminToken(t)).post('/admin/clients', {
      client_id: clientId,
      scope: 'read',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: jwksUri,
    });
    expect(res.status).toBe(201);
  };
  const authenticate = async (t: TestApp, key: SigningKey, clientId: string) =>
    postForm(`${t.baseUrl}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
      client_assertion: await clientAssertion(key, clientId, t.issuer),
    });

  describe('outside production (http on loopback allowed)', () => {
    let t: TestApp;
    let keys: FakeHttp;
    let key: SigningKey;

    beforeAll(async () => {
      key = await signingKey('r1');
      keys = await fakeHttp((path, _req, res) => {
        const port = new URL(keys.url).port;
        if (path === '/jwks') sendJson(res, { keys: [key.publicJwk] });
        else if (path === '/same-host') {
          res.writeHead(302, { location: '/jwks' });
          res.end();
        } else if (path === '/other-host') {
          res.writeHead(302, { location: `http://localhost:${port}/jwks` });
          res.end();
        } else if (path === '/huge') sendJson(res, { keys: [key.publicJwk], padding: 'x'.repeat(20_000) });
        else if (path === '/slow') setTimeout(() => sendJson(res, { keys: [key.publicJwk] }), 3000);
        else {
          res.writeHead(404);
          res.end();
        }
      });
      t = await startTestApp({ JWKS_FETCH_MAX_BYTES: '16384', JWKS_FETCH_TIMEOUT_MS: '500' });
    });
    afterAll(async () => {
      await t?.close();
      await keys?.close();
    });

    it('follows a redirect within the same origin', async () => {
      await register(t, 'same-host', `${keys.url}/same-host`);
      expect((await authenticate(t, key, 'same-host')).status).toBe(200);
    });

    it.each([
      ['a redirect to another host', 'other-host', /redirect to another host/],
      ['a response over JWKS_FETCH_MAX_BYTES', 'huge', /larger than 16384 bytes/],
      ['a response slower than JWKS_FETCH_TIMEOUT_MS', 'slow', /timed out/],
    ])('refuses %s: invalid_client, and the reason in the log', async (_, path, logged) => {
      await register(t, `by-${path}`, `${keys.url}/${path}`);
      const res = await authenticate(t, key, `by-${path}`);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      expect(t.logs.some((l) => l.includes(`${keys.url}/${path}`) && logged.test(l))).toBe(true);
    });
  });

  describe('in production', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        NODE_ENV: 'production',
        ISSUER: 'https://auth.example.com/ms-auth-server',
        LOG_FORMAT: 'json',
        JWKS_FETCH_TIMEOUT_MS: '500',
      });
    });
    afterAll(async () => t?.close());

    it('refuses http jwks_uri at registration', async () => {
      const res = await adminApi(t, await adminToken(t)).post('/admin/clients', {
        scope: 'read',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: 'http://keys.example.com/jwks',
      });
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('jwks_uri');
    });

    it('never connects to loopback or private addresses for a client jwks_uri, by literal or by name', async () => {
      const key = await signingKey('p1');
      for (const [id, uri] of [
        ['loopback-literal', 'https://127.0.0.1:9/jwks'],
        ['loopback-name', 'https://localhost:9/jwks'],
        ['metadata-service', 'https://169.254.169.254/jwks'],
      ]) {
        await register(t, id, uri);
        const res = await authenticate(t, key, id);
        expect(res.status).toBe(401);
        expect(res.body.error_description).toMatch(/cannot be fetched/);
        expect(t.logs.some((l) => l.includes(uri) && /private, loopback or link-local/.test(l))).toBe(true);
      }
    });

    const federatedAttempt = async (issuer: string, clientId: string) => {
      const api = adminApi(t, await adminToken(t));
      expect((await api.post('/admin/trusted-issuers', { issuer, allow_private_network: true })).status).toBe(201);
      await api.post('/admin/clients', {
        client_id: clientId,
        scope: 'read',
        token_endpoint_auth_method: 'private_key_jwt',
        federated_credentials: [{ issuer, subject: 'system:serviceaccount:ns:sa' }],
      });
      const key = await signingKey('c1', 'RS256');
      return postForm(`${t.baseUrl}/oauth2/token`, {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_assertion_type: JWT_BEARER,
        client_assertion: await clientAssertion(key, clientId, t.issuer, { iss: issuer, sub: 'system:serviceaccount:ns:sa' }),
      });
    };

    it('lets a trusted issuer with allow_private_network reach a private address', async () => {
      const issuer = 'https://10.255.255.1:9/cluster';
      expect((await federatedAttempt(issuer, 'in-cluster')).status).toBe(401);
      // The guard let the connection through: whatever failed next, it was not the address policy.
      const line = t.logs.find((l) => l.includes(`discovery of ${issuer} failed`));
      expect(line).toBeDefined();
      expect(line).not.toMatch(/private, loopback or link-local/);
    });

    it.each([
      ['loopback', 'https://127.0.0.1:9/cluster'],
      ['the cloud metadata service (link-local)', 'https://169.254.169.254/cluster'],
    ])('keeps %s refused even for a trusted issuer with allow_private_network', async (_, issuer) => {
      expect((await federatedAttempt(issuer, `near-${new URL(issuer).hostname}`)).status).toBe(401);
      const line = t.logs.find((l) => l.includes(`discovery of ${issuer} failed`));
      expect(line).toMatch(/refused even with allow_private_network/);
    });
  });
});

describe('fetchJson against DNS rebinding', () => {
  it('resolves the name once, checks that answer, and connects to it, whatever a later answer would say', async () => {
    const served = await fakeHttp((_path, req, res) => sendJson(res, { host: req.headers.host }));
    try {
      const port = new URL(served.url).port;
      const answers = [
        [{ address: '127.0.0.1', family: 4 }], // checked: loopback over http is allowed outside production
        [{ address: '10.0.0.1', family: 4 }], // what a rebinding name would answer next
      ];
      const asked: string[] = [];
      const resolver = (host: string) => {
        asked.push(host);
        return Promise.resolve(answers.shift() ?? []);
      };
      const got = await fetchJson(
        `http://keys.rebind.test:${port}/jwks`,
        { production: false, allowPrivateNetwork: false },
        { timeoutMs: 2000, maxBytes: 4096 },
        resolver,
      );
      // The loopback server answered (so the socket went to the checked address), with the name as Host.
      expect(got.body).toEqual({ host: `keys.rebind.test:${port}` });
      expect(asked).toEqual(['keys.rebind.test']);

      // A name whose answers include a refused address is refused before any connection.
      const mixed = () => Promise.resolve([{ address: '127.0.0.1', family: 4 } as const, { address: '10.0.0.1', family: 4 } as const]);
      await expect(
        fetchJson(
          `http://keys.rebind.test:${port}/jwks`,
          { production: false, allowPrivateNetwork: false },
          { timeoutMs: 2000, maxBytes: 4096 },
          mixed,
        ),
      ).rejects.toThrow(/loopback/);
    } finally {
      await served.close();
    }
  });
});
