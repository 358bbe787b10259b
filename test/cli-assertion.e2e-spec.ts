import { randomBytes } from 'node:crypto';
import { adminApi, adminToken } from './support/admin-api';
import { clientAssertion, JWT_BEARER, signingKey } from './support/assertions';
import { onceClientKnown } from './support/change-feed';
import { cliEnvFor, runCli } from './support/cli';
import { postForm, startTestApp, type TestApp } from './support/test-app';

jest.setTimeout(180_000);

/**
 * The CLI's flags for clients without shared secrets (--token-endpoint-auth-method, --jwks, --jwks-uri,
 * --federated-credentials), and its trusted-issuers commands.
 */
describe('CLI: assertion clients', () => {
  let server: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestApp({ KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'), CHANGE_POLL_INTERVAL_MS: '100' });
    env = cliEnvFor(server);
  });
  afterAll(async () => server?.close());

  it('registers a private_key_jwt client with --jwks, without a secret; the server takes its assertions within one change-feed poll', async () => {
    const key = await signingKey('cli-1');
    const run = await runCli(
      [
        'create',
        '--client-id',
        'cli-pk',
        '--scope',
        'a',
        '--token-endpoint-auth-method',
        'private_key_jwt',
        '--jwks',
        JSON.stringify({ keys: [key.publicJwk] }),
      ],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ client_id: 'cli-pk', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] } });
    expect(run.json).not.toHaveProperty('client_secret');
    // A fresh assertion (its own jti) each time, until the server's change-feed poll has seen the new client.
    const res = await onceClientKnown(async () =>
      postForm(`${server.baseUrl}/oauth2/token`, {
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        client_assertion: await clientAssertion(key, 'cli-pk', server.issuer),
      }),
    );
    expect(res.status).toBe(200);
  });

  it('keys reencrypt re-seals client_secret_jwt secrets (the previous one in its grace too), so a server with only the new key-encryption key checks them', async () => {
    const created = await runCli(['create', '--client-id', 'cli-hs', '--scope', 'a', '--token-endpoint-auth-method', 'client_secret_jwt'], {
      ...env,
      CLIENT_SECRET_JWT_ENABLED: 'true',
    });
    expect(created.code).toBe(0);
    const previous = created.json.client_secret as string;
    // A rotation in its grace: the previous secret is sealed too, and must survive the re-encryption.
    const rotated = await runCli(['rotate-secret', 'cli-hs', '--grace', '3600'], { ...env, CLIENT_SECRET_JWT_ENABLED: 'true' });
    expect(rotated.code).toBe(0);
    const secret = rotated.json.client_secret as string;
    const next = randomBytes(32).toString('base64url');
    const re = await runCli(['keys', 'reencrypt'], { ...env, KEY_ENCRYPTION_KEYS: `${next},${env.KEY_ENCRYPTION_KEYS}` });
    expect(re.code).toBe(0);
    expect(re.json.client_secrets).toEqual({ total: 1, resealed: ['cli-hs'] });
    const after = await startTestApp({ KEY_ENCRYPTION_KEYS: next, CLIENT_SECRET_JWT_ENABLED: 'true', ISSUER: server.issuer }, server.db);
    try {
      const res = await postForm(`${after.baseUrl}/oauth2/token`, {
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        client_assertion: await clientAssertion(new TextEncoder().encode(secret), 'cli-hs', server.issuer),
      });
      expect(res.status).toBe(200);
      const inGrace = await postForm(`${after.baseUrl}/oauth2/token`, {
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        client_assertion: await clientAssertion(new TextEncoder().encode(previous), 'cli-hs', server.issuer),
      });
      expect(inGrace.status).toBe(200);
    } finally {
      await after.close();
    }
  });

  it('reports invalid keys, both key sources at once and an untrusted issuer by field, as the admin API does', async () => {
    const both = await runCli(['update', 'cli-pk', '--jwks-uri', 'https://keys.example.com/jwks'], env);
    expect(both.code).toBe(1);
    expect(JSON.parse(both.stderr)).toMatchObject({ error: 'invalid_client_metadata', details: [{ field: 'jwks_uri' }] });
    const broken = await runCli(['update', 'cli-pk', '--jwks', '{not json'], env);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stderr).details[0].field).toBe('jwks');
    const untrusted = await runCli(
      ['update', 'cli-pk', '--federated-credentials', '[{"issuer":"https://idp.example.com","subject":"s"}]'],
      env,
    );
    expect(untrusted.code).toBe(1);
    expect(JSON.parse(untrusted.stderr).details).toEqual([
      { field: 'federated_credentials.0.issuer', message: expect.stringMatching(/not a trusted issuer/) },
    ]);
    const swapped = await runCli(['update', 'cli-pk', '--jwks', 'null', '--jwks-uri', 'https://keys.example.com/jwks'], env);
    expect(swapped.code).toBe(0);
    expect(swapped.json.jwks_uri).toBe('https://keys.example.com/jwks');
    expect(swapped.json).not.toHaveProperty('jwks');
  });

  it('manages trusted issuers as /admin/trusted-issuers does: add, list, show, update, a bad field by name, remove', async () => {
    const issuer = 'https://ci.example.com';
    const added = await runCli(
      ['trusted-issuers', 'add', issuer, '--jwks-uri', `${issuer}/jwks`, '--signing-alg', 'ES256', '--max-assertion-lifetime', '600'],
      env,
    );
    expect(added.code).toBe(0);
    expect(added.json).toMatchObject({
      issuer,
      jwks_uri: `${issuer}/jwks`,
      signing_alg_values: ['ES256'],
      max_assertion_lifetime: 600,
      replay_protection: false,
      allow_private_network: false,
    });
    const admin = adminApi(server, await adminToken(server));
    expect((await admin.get(`/admin/trusted-issuers/${encodeURIComponent(issuer)}`)).body).toEqual(added.json);

    const listed = await runCli(['trusted-issuers', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.json.items.map((i: { issuer: string }) => i.issuer)).toContain(issuer);

    const updated = await runCli(['trusted-issuers', 'update', issuer, '--replay-protection', 'true', '--jwks-uri', 'null'], env);
    expect(updated.code).toBe(0);
    expect(updated.json).toMatchObject({ issuer, replay_protection: true, jwks_uri: null, max_assertion_lifetime: 600 });
    expect((await runCli(['trusted-issuers', 'show', issuer], env)).json).toEqual(updated.json);

    const refused = await runCli(['trusted-issuers', 'update', issuer, '--signing-alg', 'HS256'], env);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).details[0].field).toBe('signing_alg_values');
    const usage = await runCli(['trusted-issuers', 'add'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('<issuer>');

    const removed = await runCli(['trusted-issuers', 'remove', issuer], env);
    expect(removed.code).toBe(0);
    expect(removed.json).toEqual({ issuer, deleted: true });
    const gone = await runCli(['trusted-issuers', 'show', issuer], env);
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stderr).error).toBe('not_found');
  });
});
