import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { PLAYGROUND_CLIENT } from '@app/clients';
import { get } from 'node:http';
import { insertClient } from './support/clients';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * RFC 8414 authorization server metadata: both well-known locations, the exact document, and a real client
 * library (openid-client v6) that starts from the issuer URL alone.
 */
describe('authorization server metadata (RFC 8414)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** CLIENT_SECRET_JWT_ENABLED is off by default: no HS256. */
  const ASSERTION_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
  const expected = (issuer: string) => ({
    issuer,
    token_endpoint: `${issuer}/oauth2/token`,
    jwks_uri: `${issuer}/oauth2/jwks`,
    introspection_endpoint: `${issuer}/oauth2/introspect`,
    revocation_endpoint: `${issuer}/oauth2/revoke`,
    response_types_supported: [],
    grant_types_supported: [
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:token-exchange',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
    ],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    access_token_signing_alg_values_supported: ['RS256'],
    token_exchange_subject_token_types_supported: [
      'urn:ietf:params:oauth:token-type:access_token',
      'urn:ietf:params:oauth:token-type:jwt',
      'urn:ietf:params:oauth:token-type:id_token',
    ],
    token_exchange_requested_token_types_supported: [
      'urn:ietf:params:oauth:token-type:access_token',
      'urn:ietf:params:oauth:token-type:jwt',
    ],
    dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    tls_client_certificate_bound_access_tokens: false,
  });

  it.each([
    ['path-inserted form (RFC 8414 §3.1)', '/.well-known/oauth-authorization-server/ms-auth-server'],
    ['{BASE_PATH}/.well-known form', '/ms-auth-server/.well-known/oauth-authorization-server'],
  ])('serves the exact document at the %s', async (_, path) => {
    const res = await fetch(`${t.origin}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=600');
    const body = await res.json();
    expect(body).toEqual(expected(t.issuer));
    expect(t.issuer).toBe(`http://localhost:${t.port}/ms-auth-server`);
    // RECOMMENDED only; left out so the document does not enumerate every client's scopes.
    expect(body).not.toHaveProperty('scopes_supported');
  });

  it('builds every URL from the configured issuer, not from the Host header', async () => {
    // fetch() does not let a caller set Host, so plain node:http.
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = get(
        {
          host: '127.0.0.1',
          port: t.port,
          path: '/.well-known/oauth-authorization-server/ms-auth-server',
          headers: { host: 'attacker.example', 'x-forwarded-host': 'attacker.example', 'x-forwarded-proto': 'https' },
        },
        (r) => {
          let body = '';
          r.on('data', (d: Buffer) => (body += d.toString()));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual(expected(t.issuer));
  });

  it.each([
    ['another issuer path', '/.well-known/oauth-authorization-server/other-server'],
    ['a longer path', '/.well-known/oauth-authorization-server/ms-auth-server/extra'],
    ['the root form without the issuer path', '/.well-known/oauth-authorization-server'],
    ['the base path inserted twice', '/ms-auth-server/.well-known/oauth-authorization-server/ms-auth-server'],
  ])('answers 404 for %s', async (_, path) => {
    const res = await fetch(`${t.origin}${path}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'No such endpoint' });
  });

  it('lets openid-client discover the server from the issuer alone, get a token, introspect and revoke it', async () => {
    const config = await client.discovery(
      new URL(t.issuer),
      PLAYGROUND_CLIENT.clientId,
      undefined,
      client.ClientSecretBasic(PLAYGROUND_CLIENT.secret),
      { algorithm: 'oauth2', execute: [client.allowInsecureRequests] },
    );
    expect(config.serverMetadata()).toMatchObject(expected(t.issuer));

    const tokens = await client.clientCredentialsGrant(config, { scope: 'customer.read country.read' });
    expect(tokens.token_type).toBe('bearer'); // oauth4webapi lower-cases token_type
    expect(tokens.scope).toBe('customer.read country.read');
    expect(tokens.expires_in).toBe(14400);
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ iss: t.issuer, client_id: PLAYGROUND_CLIENT.clientId, aud: PLAYGROUND_CLIENT.clientId });

    const active = await client.tokenIntrospection(config, tokens.access_token);
    expect(active).toEqual({
      active: true,
      client_id: PLAYGROUND_CLIENT.clientId,
      scope: 'customer.read country.read',
      token_type: 'Bearer',
      exp: claims.exp,
      iat: claims.iat,
      nbf: claims.nbf,
      sub: PLAYGROUND_CLIENT.clientId,
      aud: PLAYGROUND_CLIENT.clientId,
      iss: t.issuer,
      jti: claims.jti,
    });

    await expect(client.tokenRevocation(config, tokens.access_token)).resolves.toBeUndefined();
    expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });

  it('lets openid-client use client_secret_post for a client registered with it', async () => {
    await insertClient(t, {
      clientId: 'post-client',
      secret: 'post-client-secret',
      scopes: ['orders.read'],
      tokenEndpointAuthMethod: 'client_secret_post',
    });
    const config = await client.discovery(new URL(t.issuer), 'post-client', undefined, client.ClientSecretPost('post-client-secret'), {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
    });
    const tokens = await client.clientCredentialsGrant(config);
    expect(tokens.scope).toBe('orders.read');
    expect(await client.tokenIntrospection(config, tokens.access_token)).toMatchObject({
      active: true,
      client_id: 'post-client',
      scope: 'orders.read',
    });
  });
});
