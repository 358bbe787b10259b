import { Client } from 'pg';
import { adminApi, adminToken } from './support/admin-api';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * An assertion's `iss` must say unambiguously which keys check it, so no client id may equal a trusted issuer.
 * Each create checks the other table first; two creates of one name at once must not both pass that check.
 */
describe('a client id and a trusted issuer never share a name, even when both are created at once', () => {
  let t: TestApp;
  let api: ReturnType<typeof adminApi>;

  beforeAll(async () => {
    t = await startTestApp();
    api = adminApi(t, await adminToken(t));
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lets exactly one of a concurrent client create and trusted-issuer create of the same name succeed', async () => {
    const name = 'https://race.example.com';
    const blocker = new Client({ connectionString: t.db.url });
    await blocker.connect();
    try {
      // Both creates write a change-log row after their check, inside their transaction. Holding that table
      // stops both there, past their checks and before either commits: the interleaving that let both succeed,
      // unless the checks themselves take turns.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE change_log IN EXCLUSIVE MODE');
      const client = api.post('/admin/clients', { client_id: name, scope: 'a' });
      const issuer = api.post('/admin/trusted-issuers', { issuer: name });
      const waiting = async (): Promise<number> =>
        Number(
          (
            await blocker.query<{ n: string }>(
              `SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            )
          ).rows[0].n,
        );
      const start = Date.now();
      while ((await waiting()) < 2) {
        if (Date.now() - start > 15_000) throw new Error('the two creates did not both reach the database');
        await new Promise((r) => setTimeout(r, 20));
      }
      await blocker.query('COMMIT');

      const [c, i] = await Promise.all([client, issuer]);
      expect([c.status, i.status].sort()).toEqual([201, 400]);
      const loser = c.status === 400 ? c : i;
      expect(loser.body.error).toBe('invalid_client_metadata');
      const [{ clients }] = await t.db.query<{ clients: string }>(`SELECT count(*) AS clients FROM oauth_clients WHERE client_id = $1`, [
        name,
      ]);
      const [{ issuers }] = await t.db.query<{ issuers: string }>(`SELECT count(*) AS issuers FROM trusted_issuers WHERE issuer = $1`, [
        name,
      ]);
      expect(Number(clients) + Number(issuers)).toBe(1);
    } finally {
      await blocker.end();
    }
  });
});
