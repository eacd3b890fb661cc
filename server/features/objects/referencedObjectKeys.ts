import type { Db } from '../../db/Db.ts';

/**
 * Every column that stores an object-store key. The sweeper deletes objects that none of these reference once
 * their grace period has passed, so a table that stores keys MUST be listed here (a test checks the schema for
 * `*object_key` columns that are missing).
 */
export const OBJECT_KEY_COLUMNS: ReadonlyArray<{ table: string; column: string }> = [
  { table: 'document_versions', column: 'object_key' },
  { table: 'filing_receipts', column: 'object_key' },
  { table: 'case_file_indexes', column: 'object_key' },
  { table: 'case_file_receipts', column: 'object_key' },
  { table: 'authorized_copies', column: 'object_key' },
  { table: 'communication_recipients', column: 'receipt_object_key' },
];

export async function referencedObjectKeys(db: Db, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (keys.length === 0) return found;
  for (const { table, column } of OBJECT_KEY_COLUMNS) {
    const rows: Array<Record<string, string>> = await db(table).distinct(column).whereIn(column, keys);
    for (const row of rows) found.add(row[column]!);
  }
  return found;
}
