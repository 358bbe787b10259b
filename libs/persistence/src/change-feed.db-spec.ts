import { parseConfig } from '@app/config';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TestClock } from '../../../test/support/clock';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { MIGRATIONS } from '../../../migrations';
import { ALL_KEYS, ChangeFeed, GAP_WAIT_MS, textTopic } from './change-feed';

const CLIENT = textTopic('client');
const SCHEMA = { entities: [], migrations: MIGRATIONS };
import { dataSourceOptions } from './data-source-options';
import { MigrationRunner, runMigrations } from './migration-runner';

describe('ChangeFeed (real PostgreSQL)', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];
  const config = parseConfig({
    DATABASE_URL: 'postgres://x/y',
    KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
    CHANGE_POLL_INTERVAL_MS: '50',
  });

  async function instance(): Promise<{ ds: DataSource; feed: ChangeFeed; seen: (string | typeof ALL_KEYS)[]; clock: TestClock }> {
    const ds = await new DataSource(dataSourceOptions(config, db.url, SCHEMA)).initialize();
    sources.push(ds);
    const clock = new TestClock();
    const feed = new ChangeFeed(ds, config.database, clock);
    const seen: (string | typeof ALL_KEYS)[] = [];
    feed.subscribe(CLIENT, (k) => seen.push(k));
    return { ds, feed, seen, clock };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const { ds } = await instance();
    await runMigrations(ds);
  });
  afterAll(async () => {
    for (const ds of sources) await ds.destroy();
    await db.drop();
  });

  it('on a fresh database, waits for the migrations and starts at the end of the log: its first poll drops nothing', async () => {
    const fresh = await createTestDatabase();
    const ds = await new DataSource(dataSourceOptions(config, fresh.url, SCHEMA)).initialize();
    try {
      const migrations = new MigrationRunner(ds);
      const feed = new ChangeFeed(ds, config.database, new TestClock(), migrations);
      const seen: (string | typeof ALL_KEYS)[] = [];
      feed.subscribe(CLIENT, (k) => seen.push(k));
      // Nest runs one module's onModuleInit hooks concurrently: the feed's may start before the migrations'.
      await Promise.all([feed.onModuleInit(), migrations.onModuleInit()]);
      expect(migrations.applied).toBe(true);
      await feed.poll();
      expect(seen).toEqual([]);
      await ds.query(`INSERT INTO change_log (topic, key) VALUES ('client', 'later')`);
      await feed.poll();
      expect(seen).toEqual(['later']);
      feed.onApplicationShutdown();
    } finally {
      await ds.destroy();
      await fresh.drop();
    }
  });

  it('applies a change published in a transaction locally only after the commit', async () => {
    const { ds, feed, seen } = await instance();
    let seenInside: unknown[] = [];
    await ds.transaction(async (m) => {
      await feed.publish(m, CLIENT, 'a');
      seenInside = [...seen];
    });
    expect(seenInside).toEqual([]);
    expect(seen).toEqual(['a']);
  });

  it('drops a change whose transaction rolled back', async () => {
    const { ds, feed, seen } = await instance();
    await feed.poll(); // baseline: whatever earlier tests wrote
    seen.length = 0;
    await expect(
      ds.transaction(async (m) => {
        await feed.publish(m, CLIENT, 'b');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(seen).toEqual([]);
    await feed.poll();
    expect(seen).toEqual([]);
    expect(await db.query(`SELECT 1 FROM change_log WHERE key = 'b'`)).toHaveLength(0);
  });

  it('reaches another instance on its next poll, once, and the writer once (at its commit, not again from its poll)', async () => {
    const writer = await instance();
    const reader = await instance();
    await reader.feed.poll(); // baseline: whatever earlier tests wrote
    await writer.feed.poll();
    reader.seen.length = 0;
    writer.seen.length = 0;
    await writer.ds.transaction((m) => writer.feed.publish(m, CLIENT, 'c'));
    // Published outside a transaction: applied at once.
    await writer.feed.publish(writer.ds.manager, CLIENT, 'd');
    expect(writer.seen).toEqual(['c', 'd']);
    await reader.feed.poll();
    await reader.feed.poll();
    expect(reader.seen).toEqual(['c', 'd']);
    // The writer's caches filled again after its own change are not dropped a second time by the echo.
    await writer.feed.poll();
    expect(writer.seen).toEqual(['c', 'd']);
    // A change by anyone else (another instance, the CLI, SQL) still reaches it.
    await reader.ds.transaction((m) => reader.feed.publish(m, CLIENT, 'e'));
    await writer.feed.poll();
    expect(writer.seen).toEqual(['c', 'd', 'e']);
  });

  it('reads, on a poll asked for while another is in flight, the changes committed before the ask', async () => {
    const writer = await instance();
    const reader = await instance();
    await reader.feed.poll(); // baseline: whatever earlier tests wrote
    reader.seen.length = 0;
    // The poll in flight has read the log but not finished when the change commits and the next poll is asked for.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const query = reader.ds.query.bind(reader.ds);
    const held = jest.spyOn(reader.ds, 'query').mockImplementationOnce(async (...args: Parameters<DataSource['query']>) => {
      const rows: unknown = await query(...args);
      await gate;
      return rows;
    });
    const inFlight = reader.feed.poll();
    while (held.mock.calls.length === 0) await new Promise((r) => setImmediate(r));
    await writer.ds.transaction((m) => writer.feed.publish(m, CLIENT, 'while-polling'));
    const asked = reader.feed.poll();
    release();
    await asked;
    expect(reader.seen).toEqual(['while-polling']);
    await inFlight;
    held.mockRestore();
  });

  it('flushes every key when it could not poll for longer than the change log is kept', async () => {
    const { feed, seen, clock } = await instance();
    await feed.poll();
    seen.length = 0;
    // No successful poll for an hour (the change log keeps rows that long): the next one flushes, once.
    clock.advance(3_600_000);
    await feed.poll();
    expect(seen).toEqual([ALL_KEYS]);
    await feed.poll();
    expect(seen).toEqual([ALL_KEYS]);
  });

  it('starts at the end of the log: the first poll drops every cached key, later ones deliver what follows', async () => {
    const writer = await instance();
    await writer.ds.transaction((m) => writer.feed.publish(m, CLIENT, 'before'));
    const reader = await instance();
    await reader.feed.poll();
    expect(reader.seen).toEqual([ALL_KEYS]);
    await writer.ds.transaction((m) => writer.feed.publish(m, CLIENT, 'after'));
    await reader.feed.poll();
    expect(reader.seen).toEqual([ALL_KEYS, 'after']);
    expect(reader.feed.lagMs()).toBeLessThan(1000);
  });

  it('sees a change whose transaction started long ago and committed after later changes were read (a gap)', async () => {
    const writer = await instance();
    const reader = await instance();
    await reader.feed.poll();
    reader.seen.length = 0;

    // A long writer transaction: its row takes a sequence number now, and its `at` is an hour old, as if the
    // transaction had started then; it becomes visible only at commit.
    const slow = writer.ds.createQueryRunner();
    await slow.connect();
    await slow.startTransaction();
    await slow.query(`INSERT INTO change_log (topic, key, at) VALUES ('client', 'slow', now() - interval '1 hour')`);
    await writer.ds.transaction((m) => writer.feed.publish(m, CLIENT, 'quick'));
    await reader.feed.poll();
    expect(reader.seen).toEqual(['quick']);

    await slow.commitTransaction();
    await slow.release();
    await reader.feed.poll();
    expect(reader.seen).toEqual(['quick', 'slow']);
    await reader.feed.poll();
    expect(reader.seen).toEqual(['quick', 'slow']);
  });

  it('gives up on a gap left by a rolled-back write after GAP_WAIT_MS, and keeps no state for it', async () => {
    const writer = await instance();
    const reader = await instance();
    await reader.feed.poll();
    reader.seen.length = 0;
    await expect(
      writer.ds.transaction(async (m) => {
        await m.query(`INSERT INTO change_log (topic, key) VALUES ('client', 'never')`);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await writer.ds.transaction((m) => writer.feed.publish(m, CLIENT, 'next'));
    await reader.feed.poll();
    expect(reader.seen).toEqual(['next']);
    const gaps = (reader.feed as unknown as { gaps: Map<number, number> }).gaps;
    expect(gaps.size).toBe(1);
    reader.clock.advance(GAP_WAIT_MS - 1_000);
    await reader.feed.poll();
    expect(gaps.size).toBe(1);
    reader.clock.advance(1_001);
    await reader.feed.poll();
    expect(gaps.size).toBe(0);
    expect(reader.seen).toEqual(['next']);
  });

  it('hands listeners typed keys, and a key that only looks like "everything" is just a key', async () => {
    const { ds, feed, seen } = await instance();
    const pairs: { exp: number; jti: string }[] = [];
    feed.subscribe<{ exp: number; jti: string }>(
      { name: 'pairs', encode: (k) => `${k.exp} ${k.jti}`, decode: (raw) => ({ exp: Number(raw.split(' ')[0]), jti: raw.split(' ')[1] }) },
      (k) => {
        if (k !== ALL_KEYS) pairs.push(k);
      },
    );
    await ds.transaction((m) =>
      feed.publish(
        m,
        { name: 'pairs', encode: (k: { exp: number; jti: string }) => `${k.exp} ${k.jti}`, decode: () => undefined },
        { exp: 7, jti: 'j' },
      ),
    );
    expect(pairs).toEqual([{ exp: 7, jti: 'j' }]);
    // A client whose id is "*" changes only itself.
    await ds.transaction((m) => feed.publish(m, CLIENT, '*'));
    expect(seen).toEqual(['*']);
  });
});
