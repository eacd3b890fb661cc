import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_OBJECT_KEY_COLUMNS, OBJECT_KEY_COLUMNS } from '../../server/features/objects/referencedObjectKeys.ts';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

describe.each(BACKENDS)('esquema (%s)', (backend) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(backend);
  });
  afterAll(() => db.close());

  it('comments every table and column of legajo', async () => {
    const { rows } = await db.knex.raw(`
      SELECT c.relname AS table, a.attname AS column,
             obj_description(c.oid, 'pg_class') AS table_comment,
             col_description(c.oid, a.attnum) AS column_comment
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT LIKE 'knex_migrations%'`);
    expect(rows.length).toBeGreaterThan(20);
    const missing = rows.filter((r: { table_comment: string | null; column_comment: string | null }) => !r.table_comment || !r.column_comment);
    expect(missing).toEqual([]);
  });

  it('every column that stores an object key is known to the sweeper', async () => {
    const { rows } = await db.knex.raw(`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name LIKE '%object_key%'`);
    const known = new Set([...OBJECT_KEY_COLUMNS, ...HISTORY_OBJECT_KEY_COLUMNS].map((c) => `${c.table}.${c.column}`));
    for (const r of rows as Array<{ table_name: string; column_name: string }>) expect(known.has(`${r.table_name}.${r.column_name}`)).toBe(true);
  });

  it('migrating again is a no-op', async () => {
    const { migrateLatest } = await import('../../server/db/migrations/index.ts');
    expect(await migrateLatest(db.knex)).toEqual([]);
  });
});
