import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestToken } from './support/admin-api';
import { onceClientKnown } from './support/change-feed';
import { cliEnvFor, type CliRun, runCli } from './support/cli';
import { createTestDatabase, type TestDatabase } from './support/database';
import { startTestApp, type TestApp } from './support/test-app';

// Each test starts the built CLI several times: slow on a loaded machine.
jest.setTimeout(180_000);

const YAML_FILE = `# clients.yaml, reviewed in pull requests
managed_by: team-orders
clients:
  - client_id: orders-api
    scope: orders.read orders.write
    audience: [https://orders.example]
  - client_id: orders-worker
    scope: orders.read
    access_token_ttl: 600
`;

describe('Clients as code on the command line (plan, apply, export)', () => {
  let db: TestDatabase;
  let server: TestApp;
  let env: Record<string, string>;
  let dir: string;
  const cli = (...args: string[]): Promise<CliRun> => runCli(args, env);
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'gitops-cli-'));
    server = await startTestApp({ KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'), CHANGE_POLL_INTERVAL_MS: '100' }, db);
    env = cliEnvFor(server, { DATA_DIR: join(dir, 'data') });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plan exits 2 when something would change, apply writes each new secret to --secrets-dir (mode 0600), then plan exits 0', async () => {
    const path = file('clients.yaml', YAML_FILE);
    const plan = await cli('plan', path);
    expect(plan.code).toBe(2);
    expect(plan.json.changes.map((c: any) => `${c.action} ${c.id}`)).toEqual(['create orders-api', 'create orders-worker']);

    const secrets = join(dir, 'secrets');
    const apply = await cli('apply', path, '--secrets-dir', secrets);
    expect(apply.code).toBe(0);
    expect(apply.stdout).not.toContain('client_secret"');
    expect(apply.json.changes[0]).toMatchObject({ id: 'orders-api', client_secret_file: join(secrets, 'orders-api') });
    expect(readdirSync(secrets).sort()).toEqual(['orders-api', 'orders-worker']);
    expect(statSync(join(secrets, 'orders-api')).mode & 0o777).toBe(0o600);
    const secret = readFileSync(join(secrets, 'orders-api'), 'utf8');
    // The running server learns of the applied clients through the change feed, within one poll interval.
    expect((await onceClientKnown(() => requestToken(server, 'orders-api', secret))).status).toBe(200);

    const again = await cli('plan', path);
    expect(again.code).toBe(0);
    expect(again.json).toEqual({ changes: [] });
    const reapply = await cli('apply', path);
    expect([reapply.code, reapply.json]).toEqual([0, { changes: [] }]);
  });

  it('export --format yaml gives a file that applies as no change (round trip)', async () => {
    const exported = await cli('export', '--managed-by', 'team-orders', '--format', 'yaml');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('managed_by: team-orders');
    const path = file('exported.yaml', exported.stdout);
    expect((await cli('plan', path)).code).toBe(0);
  });

  it('apply --prune deletes the labelled clients the file dropped; the audit names the CLI apply', async () => {
    const path = file('fewer.yaml', YAML_FILE.replace(/ {2}- client_id: orders-worker[\s\S]*$/, ''));
    expect((await cli('plan', path)).code).toBe(0);
    const plan = await cli('plan', path, '--prune');
    expect([plan.code, plan.json.changes]).toEqual([2, [{ kind: 'client', id: 'orders-worker', action: 'delete', fields: [] }]]);
    const apply = await cli('apply', path, '--prune');
    expect(apply.code).toBe(0);
    const audit = await server.db.query<{ actor: string; details: Record<string, unknown> }>(
      "SELECT actor, details FROM audit_log WHERE action = 'client.deleted' AND client_id = 'orders-worker'",
    );
    expect(audit).toEqual([{ actor: 'cli', details: expect.objectContaining({ via: 'apply' }) }]);
  });

  it('plan exits 1 on an unknown field (named on stderr), on a file that is not YAML, and on a usage mistake', async () => {
    const typo = await cli('plan', file('typo.json', '{"clients":[{"client_id":"x","scope":"a","scopes":"b"}]}'));
    expect(typo.code).toBe(1);
    expect(JSON.parse(typo.stderr)).toMatchObject({
      error: 'invalid_client_metadata',
      details: [{ field: 'clients.0.scopes', message: 'property scopes should not exist (client_id "x")' }],
    });
    const broken = await cli('plan', file('broken.yaml', 'clients: [unclosed'));
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stderr).details[0].field).toBe('file');
    expect((await cli('plan')).code).toBe(1);
    expect((await cli('plan', join(dir, 'missing.yaml'))).code).toBe(1);
  });
});
