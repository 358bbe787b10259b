import { parseConfig } from '@app/config';
import { dataSourceOptions, runMigrations } from '@app/persistence';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { createTestDatabase, type TestDatabase } from './support/database';

/*
 * Migrations tested with data: for every migration, a database at the schema just before it gets one row in
 * every table (values made from the catalog, so new tables and columns are covered without editing this file),
 * then the migration runs, and every row must still be there with the values it had, for every column that still
 * exists.
 */

interface ColumnInfo {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
  is_identity: 'YES' | 'NO';
  character_maximum_length: number | null;
}

const config = parseConfig({ DATABASE_URL: 'postgres://unused/x', KEY_ENCRYPTION_KEYS: randomBytes(32).toString('base64url') });

/** Applies the first `count` migrations, exactly as the server does on start. */
async function migrateTo(db: TestDatabase, count: number): Promise<void> {
  const ds = await new DataSource(dataSourceOptions(config, db.url, { entities: [], migrations: MIGRATIONS.slice(0, count) })).initialize();
  try {
    await runMigrations(ds);
  } finally {
    await ds.destroy();
  }
}

async function tables(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'typeorm_migrations' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

/** The first literal a CHECK constraint on this column allows (`col IN ('a', 'b')` → 'a'), if any. */
async function allowedLiterals(db: TestDatabase): Promise<Map<string, string>> {
  const rows = await db.query<{ table_name: string; column_name: string; def: string }>(
    `SELECT c.conrelid::regclass::text AS table_name, a.attname AS column_name, pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.contype = 'c' AND array_length(c.conkey, 1) = 1`,
  );
  const out = new Map<string, string>();
  for (const r of rows) {
    const literal = /'((?:[^']|'')*)'::/.exec(r.def);
    if (literal) out.set(`${r.table_name}.${r.column_name}`, literal[1].replace(/''/g, "'"));
  }
  return out;
}

/** A value of the column's type that its constraints accept; undefined leaves it to the column default. */
function sampleValue(c: ColumnInfo, allowed: Map<string, string>, n: number): unknown {
  if (c.is_identity === 'YES' || c.column_default?.startsWith('nextval(')) return undefined;
  const literal = allowed.get(`${c.table_name}.${c.column_name}`);
  if (literal !== undefined) return literal;
  const text = `${c.column_name}-${n}`.slice(0, c.character_maximum_length ?? 64);
  switch (c.udt_name) {
    case 'text':
    case 'varchar':
    case 'bpchar':
      return text;
    case 'int2':
    case 'int4':
    case 'int8':
    case 'numeric':
      return 60 + n;
    case 'bool':
      return true;
    case 'timestamptz':
    case 'timestamp':
      return new Date(Date.UTC(2026, 0, 1, 0, 0, n));
    case 'date':
      return '2026-01-01';
    case 'json':
    case 'jsonb':
      return JSON.stringify({ sample: text });
    case 'uuid':
      return randomUUID();
    case 'bytea':
      return Buffer.from(text);
    case '_text':
    case '_varchar':
      return [text];
    default:
      throw new Error(`migrations.db-spec: no sample value for ${c.table_name}.${c.column_name} (${c.udt_name}); add one`);
  }
}

/** Inserts one row into every table; a table whose foreign key needs another table's row waits for it. */
async function fillEveryTable(db: TestDatabase): Promise<void> {
  const columns = await db.query<ColumnInfo>(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, is_identity, character_maximum_length
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const allowed = await allowedLiterals(db);
  let pending = await tables(db);
  for (let round = 0; pending.length && round < 10; round++) {
    const failed: string[] = [];
    for (const [n, table] of pending.entries()) {
      const values = columns
        .filter((c) => c.table_name === table)
        .map((c) => [c.column_name, sampleValue(c, allowed, n)] as const)
        .filter(([, v]) => v !== undefined);
      const names = values.map(([name]) => `"${name}"`).join(', ');
      const params = values.map((_, i) => `$${i + 1}`).join(', ');
      try {
        await db.query(
          `INSERT INTO "${table}" (${names}) VALUES (${params})`,
          values.map(([, v]) => v),
        );
      } catch (err) {
        if ((err as { code?: string }).code !== '23503') throw new Error(`cannot fill ${table}: ${(err as Error).message}`, { cause: err });
        failed.push(table); // a foreign key: the referenced table gets its row first
      }
    }
    pending = failed;
  }
  if (pending.length) throw new Error(`cannot fill ${pending.join(', ')}: foreign keys never satisfied`);
}

/** Every row of every table, as JSON objects. */
async function snapshot(db: TestDatabase): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const t of await tables(db)) {
    out[t] = (await db.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(t) AS row FROM "${t}" t`)).map((r) => r.row);
  }
  return out;
}

describe('migrations, with data', () => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('the sample rows fit every table of the current schema (so each migration below is tested with data)', async () => {
    db = await createTestDatabase();
    await migrateTo(db, MIGRATIONS.length);
    await fillEveryTable(db);
    const rows = await snapshot(db);
    expect(Object.keys(rows).length).toBeGreaterThanOrEqual(6);
    for (const [table, list] of Object.entries(rows)) expect([table, list.length]).toEqual([table, 1]);
  });

  // One case per migration after the first (the first starts from an empty database).
  for (let i = 1; i < MIGRATIONS.length; i++) {
    it(`${MIGRATIONS[i].name} keeps every row of the schema before it`, async () => {
      db = await createTestDatabase();
      await migrateTo(db, i);
      await fillEveryTable(db);
      const before = await snapshot(db);
      await migrateTo(db, i + 1);
      const after = await snapshot(db);
      for (const [table, rows] of Object.entries(before)) {
        expect([table, table in after]).toEqual([table, true]);
        for (const row of rows) {
          // Compare the columns that still exist; new columns may hold anything their migration chose.
          const match = after[table].find((a) =>
            Object.keys(row).every((k) => !(k in a) || JSON.stringify(a[k]) === JSON.stringify(row[k])),
          );
          expect([table, match ? 'kept' : row]).toEqual([table, 'kept']);
        }
      }
    });
  }
});
