import { freePort } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestToken } from './support/admin-api';
import { onceClientKnown } from './support/change-feed';
import { cliEnvFor, type CliRun, runCli } from './support/cli';
import { createTestDatabase, type TestDatabase } from './support/database';
import { expectedClientView, viewTimestamps } from './support/clients';
import { startServerProcess } from './support/server-process';
import { ADMIN_ID, ADMIN_SECRET, basic, postForm, startTestApp, type TestApp } from './support/test-app';

/** The built CLI (as `npm run cli` runs it), with exactly this environment. */
const cli = (env: Record<string, string>, args: string[], stdin?: string): Promise<CliRun> => runCli(args, env, { stdin });

// Each test starts the built CLI (and server) several times: slow on a loaded machine.
jest.setTimeout(180_000);

describe('CLI (npm run cli) against DATABASE_URL', () => {
  let db: TestDatabase;
  let server: TestApp;
  let env: Record<string, string>;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'cli-e2e-'));
    // A server on the same database, to see the CLI's changes from the token endpoint; the CLI shares its issuer
    // (hence the admin audience, which the admin client is checked against at start).
    server = await startTestApp({ KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'), CHANGE_POLL_INTERVAL_MS: '100' }, db);
    env = cliEnvFor(server, { DATA_DIR: dataDir });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('create prints the client with its secret, once; a running server issues tokens for it within one change-feed poll', async () => {
    const run = await cli(env, [
      'create',
      '--client-id',
      'from-cli',
      '--scope',
      'a b',
      '--client-name',
      'CLI made',
      '--audience',
      'https://api',
      '--access-token-ttl',
      '120',
    ]);
    expect(run.code).toBe(0);
    const [row] = await db.query<{ created_at: Date; updated_at: Date }>(
      `SELECT created_at, updated_at FROM oauth_clients WHERE client_id = 'from-cli'`,
    );
    expect(run.json).toEqual(
      expectedClientView({
        client_id: 'from-cli',
        client_name: 'CLI made',
        scope: 'a b',
        access_token_ttl: 120,
        audience: ['https://api'],
        ...viewTimestamps(row),
        client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      }),
    );
    expect(run.stderr).not.toContain(run.json.client_secret);
    // The server learns of a client created by another process through the change feed (here every 100 ms).
    const token = await onceClientKnown(() => requestToken(server, 'from-cli', run.json.client_secret));
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ scope: 'a b', expires_in: 120 });

    const [audit] = await db.query<{ actor: string; action: string }>(`SELECT actor, action FROM audit_log WHERE client_id = 'from-cli'`);
    expect(audit).toEqual({ actor: 'cli', action: 'client.created' });
  });

  it('show and list print clients without any secret', async () => {
    const show = await cli(env, ['show', 'from-cli']);
    expect(show.code).toBe(0);
    expect(show.json).toMatchObject({ client_id: 'from-cli', scope: 'a b' });
    expect(show.json).not.toHaveProperty('client_secret');

    const list = await cli(env, ['list', '--limit', '2']);
    expect(list.code).toBe(0);
    expect(list.json.items.map((c: { client_id: string }) => c.client_id)).toEqual(['from-cli', 'service-client-jwt']);
    const rest = await cli(env, ['list', '--cursor', list.json.next_cursor]);
    expect(rest.json).toEqual({ items: [expect.objectContaining({ client_id: 'test-admin' })], next_cursor: null });
    for (const out of [show.stdout, list.stdout, rest.stdout]) expect(out).not.toMatch(/secret_hash|scrypt|client_secret"/);
  });

  it('disable reaches the running server; enable restores the client', async () => {
    const created = await cli(env, ['create', '--client-id', 'switch', '--scope', 'a']);
    const secret = created.json.client_secret as string;
    expect((await onceClientKnown(() => requestToken(server, 'switch', secret))).status).toBe(200);

    const disabled = await cli(env, ['disable', 'switch']);
    expect(disabled.code).toBe(0);
    expect(disabled.json).toMatchObject({ client_id: 'switch', enabled: false });
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await requestToken(server, 'switch', secret)).status;
    }
    expect(status).toBe(401);

    expect((await cli(env, ['enable', 'switch'])).json).toMatchObject({ enabled: true });
    for (let i = 0; i < 50 && status === 401; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await requestToken(server, 'switch', secret)).status;
    }
    expect(status).toBe(200);
  });

  it('update changes metadata with the same validation as the API', async () => {
    const updated = await cli(env, [
      'update',
      'from-cli',
      '--scope',
      'a',
      '--token-endpoint-auth-method',
      'client_secret_post',
      '--access-token-ttl',
      'null',
    ]);
    expect(updated.code).toBe(0);
    expect(updated.json).toMatchObject({ scope: 'a', token_endpoint_auth_method: 'client_secret_post', access_token_ttl: null });

    // Sender-constrained tokens: a client moves to mTLS and certificate-bound tokens under the same id.
    const mtls = await cli(env, [
      'update',
      'from-cli',
      '--token-endpoint-auth-method',
      'tls_client_auth',
      '--tls-client-auth-san-dns',
      'cli.acme.test',
      '--tls-client-certificate-bound-access-tokens',
      'true',
    ]);
    expect(mtls.code).toBe(0);
    expect(mtls.json).toMatchObject({
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_san_dns: 'cli.acme.test',
      tls_client_certificate_bound_access_tokens: true,
    });
    const back = await cli(env, [
      'update',
      'from-cli',
      '--token-endpoint-auth-method',
      'client_secret_post',
      '--tls-client-auth-san-dns',
      'null',
    ]);
    expect(back.code).toBe(0);
    expect(back.json.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const refused = await cli(env, [
      'update',
      'from-cli',
      '--scope',
      'a  b',
      '--access-token-ttl',
      '999999999',
      '--introspect-any-token',
      'maybe',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(JSON.parse(refused.stderr)).toEqual({
      error: 'invalid_client_metadata',
      error_description: 'Invalid value for scope, introspect_any_token, access_token_ttl',
      details: [
        { field: 'scope', message: 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3)' },
        { field: 'introspect_any_token', message: 'introspect_any_token must be a boolean value' },
        { field: 'access_token_ttl', message: 'access_token_ttl must not exceed MAX_ACCESS_TOKEN_TTL (86400)' },
      ],
    });
    expect((await cli(env, ['show', 'from-cli'])).json.scope).toBe('a');
  });

  it('rotate-secret prints the new secret once; the old one works for the grace period', async () => {
    const created = await cli(env, ['create', '--client-id', 'rotating', '--scope', 'a']);
    const old = created.json.client_secret as string;
    const rotated = await cli(env, ['rotate-secret', 'rotating', '--grace', '60']);
    expect(rotated.code).toBe(0);
    expect(rotated.json).toMatchObject({
      client_id: 'rotating',
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      previous_secret_expires_at: expect.any(Number),
    });
    expect(rotated.json.client_secret).not.toBe(old);
    expect((await onceClientKnown(() => requestToken(server, 'rotating', rotated.json.client_secret))).status).toBe(200);
    expect((await requestToken(server, 'rotating', old)).status).toBe(200);

    const immediate = await cli(env, ['rotate-secret', 'rotating']);
    expect(immediate.json.previous_secret_expires_at).toBeNull();
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      status = (await requestToken(server, 'rotating', rotated.json.client_secret)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(401);
  });

  it('revoke-tokens and rotate-secret --revoke-tokens cut off the tokens issued so far', async () => {
    const created = await cli(env, ['create', '--client-id', 'cut-cli', '--scope', 'a']);
    const introspect = (token: string, secret: string) =>
      postForm(`${server.baseUrl}/oauth2/introspect`, { token }, { authorization: basic('cut-cli', secret) });
    const first = (await onceClientKnown(() => requestToken(server, 'cut-cli', created.json.client_secret))).body.access_token as string;
    expect((await introspect(first, created.json.client_secret)).body.active).toBe(true);
    const revoked = await cli(env, ['revoke-tokens', 'cut-cli']);
    expect(revoked.code).toBe(0);
    expect(revoked.json).toEqual({ client_id: 'cut-cli', tokens_revoked_before: expect.any(Number) });
    // The server learns of the CLI's change through the change feed (CHANGE_POLL_INTERVAL_MS=100): bounded wait.
    let body: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) {
      body = (await introspect(first, created.json.client_secret)).body;
      if (body.active === false) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toEqual({ active: false });

    const rotated = await cli(env, ['rotate-secret', 'cut-cli', '--revoke-tokens']);
    expect(rotated.code).toBe(0);
    expect(rotated.json.tokens_revoked_before).toBeGreaterThanOrEqual(revoked.json.tokens_revoked_before);
  });

  it('refuses (409, naming the reason) to disable, delete or rotate the configured admin client, or take its admin scope', async () => {
    for (const [args, reason] of [
      [['disable', ADMIN_ID], /cannot be disabled/],
      [['delete', ADMIN_ID], /cannot be deleted/],
      [['rotate-secret', ADMIN_ID], /its secret follows ADMIN_CLIENT_SECRET/],
      [['update', ADMIN_ID, '--scope', 'a'], /must keep the admin scope/],
    ] as [string[], RegExp][]) {
      const run = await cli(env, args);
      expect(run.code).toBe(1);
      const body = JSON.parse(run.stderr) as { error: string; error_description: string };
      expect(body.error).toBe('conflict');
      expect(body.error_description).toMatch(/configured admin client \(ADMIN_CLIENT_ID\)/);
      expect(body.error_description).toMatch(reason);
    }
    expect((await requestToken(server, ADMIN_ID, ADMIN_SECRET)).status).toBe(200);
  });

  it('create takes a chosen secret from standard input only', async () => {
    const secret = 'a-secret-from-a-vault-0123456789abcdefgh';
    const run = await cli(env, ['create', '--client-id', 'vaulted', '--scope', 'a', '--client-secret-stdin'], `${secret}\n`);
    expect(run.code).toBe(0);
    expect(run.json.client_secret).toBe(secret);
    const token = await onceClientKnown(() =>
      postForm(`${server.baseUrl}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: basic('vaulted', secret) }),
    );
    expect(token.status).toBe(200);
  });

  it('delete removes the client; show then fails with not_found', async () => {
    const deleted = await cli(env, ['delete', 'vaulted']);
    expect(deleted.code).toBe(0);
    expect(deleted.json).toEqual({ client_id: 'vaulted', deleted: true });
    const show = await cli(env, ['show', 'vaulted']);
    expect(show.code).toBe(1);
    expect(JSON.parse(show.stderr)).toEqual({ error: 'not_found', error_description: 'No client with client_id "vaulted"' });
    const again = await cli(env, ['create', '--client-id', 'vaulted', '--scope', 'a']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).error).toBe('conflict');
  });

  it('refuses an unknown command or option with usage and exit code 2', async () => {
    for (const args of [['frobnicate'], ['show'], ['create', '--scope', 'a', '--bogus'], ['delete', 'a', 'b']]) {
      const run = await cli(env, args);
      expect([args, run.code, run.stdout]).toEqual([args, 2, '']);
      expect(run.stderr).toContain('Usage: npm run cli -- <command>');
    }
    const help = await cli({}, ['help']);
    expect(help.code).toBe(0);
    // One command table: client and key commands.
    expect(help.stdout).toContain('rotate-secret <client_id> [--grace SECONDS]');
    expect(help.stdout).toContain('keys rotate [--immediate]');
  });

  it('refuses a bad configuration with exit code 78 before touching anything', async () => {
    const run = await cli({ ...env, ACCESS_TOKEN_TTL: 'soon' }, ['list']);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('ACCESS_TOKEN_TTL must be an integer');
  });
});

describe('CLI in embedded mode (no DATABASE_URL)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cli-embedded-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the embedded PostgreSQL for a command, or shares the one a running server started', async () => {
    const env = { NODE_ENV: 'test', DATA_DIR: dataDir, EMBEDDED_PG_PORT: '0', SECRET_HASH_LOG_N: '12' };
    const created = await cli(env, ['create', '--client-id', 'embedded-one', '--scope', 'a']);
    expect([created.code, created.stderr]).toEqual([0, expect.any(String)]);
    // The data stays in DATA_DIR: a second command (another PostgreSQL start) sees the client. The CLI seeds
    // nothing itself: no playground client, no generated admin client (the server's start-up does that).
    const listed = await cli(env, ['list']);
    expect(listed.json.items.map((c: { client_id: string }) => c.client_id)).toEqual(['embedded-one']);
    expect(existsSync(join(dataDir, 'admin-client.json'))).toBe(false);
    // Nor does it create signing keys: key commands need a server to have started once on the database.
    const keys = await cli(env, ['keys', 'list']);
    expect([keys.code, keys.json]).toEqual([0, { items: [] }]);

    // With the server running on that data directory, the CLI uses the server's PostgreSQL.
    const port = await freePort();
    const server = await startServerProcess({ ...env, PORT: String(port) });
    try {
      const second = await cli(env, ['create', '--client-id', 'embedded-two', '--scope', 'b']);
      expect(second.code).toBe(0);
      // The server learns of a client created elsewhere through the change feed, within one poll interval.
      const token = await onceClientKnown(() =>
        postForm(
          `http://127.0.0.1:${port}/ms-auth-server/oauth2/token`,
          { grant_type: 'client_credentials' },
          { authorization: basic('embedded-two', second.json.client_secret) },
        ),
      );
      expect(token.status).toBe(200);
      expect(token.body.scope).toBe('b');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
