import { type AppConfig, parseConfig, type RawEnv, SystemClock } from '@app/config';
import { AuditTrail, ChangeFeed, dataSourceOptions, runMigrations } from '@app/persistence';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { encryptionKeyId, KeyEncrypter } from './key-encrypter';
import { KeyLifecycleService, SCHEDULER_ACTOR, STARTUP_ACTOR } from './key-lifecycle.service';
import { KEYS_ENTITIES } from './keys.module';
import { KeysService } from './keys.service';

/** One "instance": its own connection pool and services, on the shared test database. */
interface Instance {
  ds: DataSource;
  config: AppConfig;
  keys: KeysService;
  lifecycle: KeyLifecycleService;
}

const KEK = randomBytes(32).toString('base64url');

async function instance(db: TestDatabase, env: RawEnv = {}): Promise<Instance> {
  const config = parseConfig({
    DATABASE_URL: db.url,
    KEY_ENCRYPTION_KEYS: KEK,
    // Publish delay 6 s (max-age 5 s + one 1 s poll): longer than a slow rotation holding the lock, so a racing
    // rotation cannot find the next key it just waited for already promotable; tests age the rows instead.
    JWKS_MAX_AGE: '5',
    CHANGE_POLL_INTERVAL_MS: '1000',
    MAX_ACCESS_TOKEN_TTL: '600',
    ACCESS_TOKEN_TTL: '600',
    KEY_RETIREMENT_GRACE: '30',
    DATABASE_POOL_SIZE: '3',
    ...env,
  });
  const ds = await new DataSource(dataSourceOptions(config, db.url, { entities: KEYS_ENTITIES, migrations: MIGRATIONS })).initialize();
  const clock = new SystemClock();
  const feed = new ChangeFeed(ds, config.database, clock);
  const encrypter = new KeyEncrypter(config.keys.encryptionKeys);
  const lifecycle = new KeyLifecycleService(ds, config.database, config.keys, config.tokens, encrypter, feed, new AuditTrail(ds), clock);
  return { ds, config, keys: new KeysService(ds, encrypter, lifecycle, clock, feed), lifecycle };
}

async function statuses(db: TestDatabase): Promise<Record<string, string>> {
  const rows = await db.query<{ kid: string; status: string }>('SELECT kid, status FROM signing_keys');
  return Object.fromEntries(rows.map((r) => [r.kid, r.status]));
}

/** Makes the keys look older than they are, instead of sleeping through the publish delay and the interval. */
async function age(db: TestDatabase, seconds: number): Promise<void> {
  await db.query(
    `UPDATE signing_keys SET created_at = created_at - make_interval(secs => $1),
       activated_at = activated_at - make_interval(secs => $1)`,
    [seconds],
  );
}

describe('KeyLifecycleService on PostgreSQL', () => {
  let db: TestDatabase;
  let a: Instance;
  let b: Instance;

  beforeEach(async () => {
    db = await createTestDatabase();
    a = await instance(db);
    await runMigrations(a.ds);
    b = await instance(db);
    await a.lifecycle.ensureActiveKey();
  });
  afterEach(async () => {
    await a.ds.destroy();
    await b.ds.destroy();
    await db.drop();
  });

  it('lets exactly one of two concurrent rotations promote; the other sees the result', async () => {
    const first = await a.lifecycle.rotate('op');
    expect(first.rotated).toBe(false);
    await age(db, 10);

    const [ra, rb] = await Promise.all([a.lifecycle.rotate('op-a'), b.lifecycle.rotate('op-b')]);
    const winner = ra.rotated ? ra : rb;
    const loser = ra.rotated ? rb : ra;
    expect([ra.rotated, rb.rotated].sort()).toEqual([false, true]);
    expect(winner.active.kid).toBe(first.next.kid);
    expect(winner.retired!.kid).toBe(first.active.kid);
    // The loser waited for the lock and found the fresh next key, not yet published long enough.
    expect(loser.active.kid).toBe(first.next.kid);
    expect(loser.next.kid).toBe(winner.next.kid);

    expect(await statuses(db)).toEqual({ [first.active.kid]: 'retired', [first.next.kid]: 'active', [winner.next.kid]: 'next' });
    const audit = await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE action = 'keys.rotated'`);
    expect(audit).toHaveLength(1);
  });

  it('runs the schedule on every instance, and only one of them acts', async () => {
    const sa = await instance(db, { KEY_ROTATION_INTERVAL: '60' });
    const sb = await instance(db, { KEY_ROTATION_INTERVAL: '60' });
    try {
      const created = await Promise.all([sa.lifecycle.runSchedule(), sb.lifecycle.runSchedule()]);
      expect(created.filter((o) => o !== undefined)).toHaveLength(1);
      // Not due yet: the active key is younger than the interval.
      expect(await Promise.all([sa.lifecycle.runSchedule(), sb.lifecycle.runSchedule()])).toEqual([undefined, undefined]);

      await age(db, 61);
      const promoted = (await Promise.all([sa.lifecycle.runSchedule(), sb.lifecycle.runSchedule()])).filter((o) => o !== undefined);
      expect(promoted).toHaveLength(1);
      expect(promoted[0].rotated).toBe(true);
      const rows = await db.query<{ actor: string; action: string }>(`SELECT actor, action FROM audit_log ORDER BY id`);
      expect(rows).toEqual([
        { actor: STARTUP_ACTOR, action: 'keys.activated' },
        { actor: SCHEDULER_ACTOR, action: 'keys.next_created' },
        { actor: SCHEDULER_ACTOR, action: 'keys.rotated' },
      ]);
    } finally {
      await sa.ds.destroy();
      await sb.ds.destroy();
    }
  });

  it('keeps a retired key for MAX_ACCESS_TOKEN_TTL + one poll interval + KEY_RETIREMENT_GRACE', async () => {
    await a.lifecycle.rotate('op');
    await age(db, 10);
    const out = await a.lifecycle.rotate('op');
    expect(Date.parse(out.retired!.expires_at!) - Date.parse(out.retired!.retired_at!)).toBe((600 + 1 + 30) * 1000);
  });

  it('retires the active key and activates a new one when SIGNING_ALG changes on a restart', async () => {
    const old = (await db.query<{ kid: string }>(`SELECT kid FROM signing_keys WHERE status = 'active'`))[0].kid;
    const es = await instance(db, { SIGNING_ALG: 'ES256' });
    try {
      await es.lifecycle.ensureActiveKey();
      await es.lifecycle.ensureActiveKey(); // a second start changes nothing
      const rows = await db.query<{ kid: string; alg: string; status: string; retired_at: Date; expires_at: Date }>(
        'SELECT kid, alg, status, retired_at, expires_at FROM signing_keys ORDER BY created_at',
      );
      expect(rows.map((r) => [r.kid === old, r.alg, r.status])).toEqual([
        [true, 'RS256', 'retired'],
        [false, 'ES256', 'active'],
      ]);
      expect(rows[0].expires_at.getTime() - rows[0].retired_at.getTime()).toBe((600 + 1 + 30) * 1000);
      // Every state change has its row: the first start's activation, then this start's retirement and activation.
      const audit = await db.query(`SELECT actor, action, client_id, details FROM audit_log ORDER BY id`);
      expect(audit).toEqual([
        {
          actor: STARTUP_ACTOR,
          action: 'keys.activated',
          client_id: null,
          details: { active: old, alg: 'RS256', promoted: false, replaced: null },
        },
        {
          actor: STARTUP_ACTOR,
          action: 'keys.retired',
          client_id: null,
          details: { retired: old, retired_until: rows[0].expires_at.toISOString(), reason: 'SIGNING_ALG is ES256' },
        },
        {
          actor: STARTUP_ACTOR,
          action: 'keys.activated',
          client_id: null,
          details: { active: rows[1].kid, alg: 'ES256', promoted: false, replaced: old },
        },
      ]);
    } finally {
      await es.ds.destroy();
    }
  });

  it('promotes a published next key of the new SIGNING_ALG on restart instead of creating one', async () => {
    const old = (await db.query<{ kid: string }>(`SELECT kid FROM signing_keys WHERE status = 'active'`))[0].kid;
    const es = await instance(db, { SIGNING_ALG: 'ES256' });
    try {
      const published = await es.lifecycle.rotate('op'); // publishes an ES256 next key, promotes nothing yet
      expect([published.rotated, published.next.alg]).toEqual([false, 'ES256']);
      await es.lifecycle.ensureActiveKey();
      expect(await statuses(db)).toEqual({ [old]: 'retired', [published.next.kid]: 'active' });
      const [activated] = await db.query(`SELECT actor, details FROM audit_log WHERE action = 'keys.activated' ORDER BY id DESC LIMIT 1`);
      expect(activated).toEqual({
        actor: STARTUP_ACTOR,
        details: { active: published.next.kid, alg: 'ES256', promoted: true, replaced: old },
      });
    } finally {
      await es.ds.destroy();
    }
  });
});

describe('KeyLifecycleService.reencrypt', () => {
  let db: TestDatabase;
  let a: Instance;
  const NEW = randomBytes(32);
  const OLD = Buffer.from(KEK, 'base64url');

  beforeEach(async () => {
    db = await createTestDatabase();
    a = await instance(db);
    await runMigrations(a.ds);
    await a.lifecycle.ensureActiveKey();
    await a.lifecycle.rotate('op'); // an active and a next key, both sealed under OLD
  });
  afterEach(async () => {
    await a.ds.destroy();
    await db.drop();
  });

  it('re-seals every private key under the first KEK, in one go, and is idempotent', async () => {
    const rotated = await instance(db, { KEY_ENCRYPTION_KEYS: `${NEW.toString('base64url')},${KEK}` });
    try {
      const before = await db.query<{ kid: string }>('SELECT kid FROM signing_keys ORDER BY kid');
      const result = await rotated.lifecycle.reencrypt('cli');
      expect(result).toEqual({
        sealing_key_id: encryptionKeyId(NEW),
        total: 2,
        resealed: Object.fromEntries(before.map((r) => [r.kid, encryptionKeyId(OLD)])),
      });
      const rows = await db.query<{ private_key: string }>('SELECT private_key FROM signing_keys');
      expect(rows.map((r) => r.private_key.split('.')[1])).toEqual([encryptionKeyId(NEW), encryptionKeyId(NEW)]);
      expect(await rotated.lifecycle.reencrypt('cli')).toEqual({
        sealing_key_id: encryptionKeyId(NEW),
        total: 2,
        resealed: {},
      });
      const audit = await db.query(`SELECT actor, action, details FROM audit_log WHERE action = 'keys.reencrypted'`);
      expect(audit).toEqual([
        { actor: 'cli', action: 'keys.reencrypted', details: { sealing_key_id: result.sealing_key_id, resealed: result.resealed } },
      ]);

      // Only the new key is needed from now on.
      const onlyNew = await instance(db, { KEY_ENCRYPTION_KEYS: NEW.toString('base64url') });
      try {
        await onlyNew.keys.reload();
        expect(onlyNew.keys.activeSigner().kid).toBe(
          (await db.query<{ kid: string }>(`SELECT kid FROM signing_keys WHERE status = 'active'`))[0].kid,
        );
      } finally {
        await onlyNew.ds.destroy();
      }
    } finally {
      await rotated.ds.destroy();
    }
  });

  it('changes nothing when one key cannot be opened with the configured KEKs', async () => {
    // The newer (next) key is sealed under a KEK that is not configured; the active key could be re-sealed.
    const next = (await db.query<{ kid: string }>(`SELECT kid FROM signing_keys WHERE status = 'next'`))[0].kid;
    await db.query('UPDATE signing_keys SET private_key = $2 WHERE kid = $1', [next, new KeyEncrypter([randomBytes(32)]).seal('x', next)]);
    const before = await db.query<{ kid: string; private_key: string }>('SELECT kid, private_key FROM signing_keys ORDER BY kid');
    const wrong = await instance(db, { KEY_ENCRYPTION_KEYS: `${NEW.toString('base64url')},${KEK}` });
    try {
      await expect(wrong.lifecycle.reencrypt('cli')).rejects.toThrow(/not in KEY_ENCRYPTION_KEYS/);
      expect(await db.query('SELECT kid, private_key FROM signing_keys ORDER BY kid')).toEqual(before);
    } finally {
      await wrong.ds.destroy();
    }
  });
});
