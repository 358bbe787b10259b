import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { requestToken } from './support/admin-api';
import { onceClientKnown } from './support/change-feed';
import { cliEnvFor, runCli } from './support/cli';
import { startTestApp, type TestApp } from './support/test-app';

/** The command line manages static claims and the token exchange policy as the admin API does, by field. */
describe('CLI: token claims', () => {
  let server: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestApp({ KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'), CHANGE_POLL_INTERVAL_MS: '100' });
    env = cliEnvFor(server);
  });
  afterAll(async () => server?.close());

  it('creates a client with --token-claims and --token-exchange; its tokens carry the claims', async () => {
    const run = await runCli(
      [
        'create',
        '--client-id',
        'cli-claims',
        '--scope',
        'orders.read',
        '--grant-type',
        'client_credentials',
        '--grant-type',
        'urn:ietf:params:oauth:grant-type:token-exchange',
        '--token-claims',
        '{"tenant":"acme"}',
        '--token-exchange',
        '{"audiences":["https://inventory.example"],"scopes":["orders.read"]}',
      ],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({
      client_id: 'cli-claims',
      token_claims: { tenant: 'acme' },
      token_exchange: { audiences: ['https://inventory.example'], scopes: ['orders.read'] },
    });
    // The server learns of a client the CLI created within one change-feed poll.
    const res = await onceClientKnown(() => requestToken(server, 'cli-claims', run.json.client_secret as string));
    expect(decodeJwt(res.body.access_token as string).tenant).toBe('acme');
  });

  it('reports a reserved claim and a bad policy by field, and removes both with null', async () => {
    const reserved = await runCli(['update', 'cli-claims', '--token-claims', '{"aud":"x"}'], env);
    expect(reserved.code).toBe(1);
    expect(JSON.parse(reserved.stderr)).toMatchObject({ error: 'invalid_client_metadata', details: [{ field: 'token_claims.aud' }] });
    const policy = await runCli(['update', 'cli-claims', '--token-exchange', '{"audiences":[]}'], env);
    expect(policy.code).toBe(1);
    expect(JSON.parse(policy.stderr).details.map((d: { field: string }) => d.field)).toEqual([
      'token_exchange.audiences',
      'token_exchange.scopes',
    ]);
    const cleared = await runCli(['update', 'cli-claims', '--token-claims', 'null', '--token-exchange', 'null'], env);
    expect(cleared.code).toBe(0);
    expect(cleared.json).not.toHaveProperty('token_claims');
    expect(cleared.json).not.toHaveProperty('token_exchange');
  });
});
