import { parseConfig } from '@app/config';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { ALL_KEYS, ChangeFeed } from './change-feed';
import { dataSourceOptions } from './data-source-options';
import { runMigrations } from './migration-runner';

describe('ChangeFeed (real PostgreSQL)', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];
  const config = parseConfig({
    DATABASE_URL: 'postgres://x/y',
    KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url'),
    CHANGE_POLL_INTERVAL_MS: '50',
  });

  async function instance(): Promise<{ ds: DataSource; feed: ChangeFeed; seen: string[] }> {
    const ds = await new DataSource(dataSourceOptions(config, db.url)).initialize();
    sources.push(ds);
    const feed = new ChangeFeed(ds, config);
    const seen: string[] = [];
    feed.subscribe('client', (k) => seen.push(k));
    return { ds, feed, seen };
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

  it('applies a change published in a transaction locally only after the commit', async () => {
    const { ds, feed, seen } = await instance();
    let seenInside: string[] = [];
    await ds.transaction(async (m) => {
      await feed.publish(m, 'client', 'a');
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
        await feed.publish(m, 'client', 'b');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(seen).toEqual([]);
    await feed.poll();
    expect(seen).toEqual([]);
    expect(await db.query(`SELECT 1 FROM change_log WHERE key = 'b'`)).toHaveLength(0);
  });

  it('reaches another instance on its next poll, once', async () => {
    const writer = await instance();
    const reader = await instance();
    await reader.feed.poll(); // baseline: whatever earlier tests wrote
    reader.seen.length = 0;
    await writer.ds.transaction((m) => writer.feed.publish(m, 'client', 'c'));
    await reader.feed.poll();
    await reader.feed.poll();
    expect(reader.seen).toEqual(['c']);
  });

  it('flushes every key when it could not poll for longer than its window', async () => {
    const { feed, seen } = await instance();
    (feed as unknown as { lastSuccess: number }).lastSuccess = Date.now() - 60_000;
    await feed.poll();
    expect(seen).toContain(ALL_KEYS);
  });
});
