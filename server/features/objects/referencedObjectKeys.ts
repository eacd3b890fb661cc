import type { Db } from '../../db/Db.ts';

/**
 * Every column that stores an object-store key. The sweeper deletes objects that none of these reference once
 * their grace period has passed, so a table that stores keys MUST be listed here (a test checks the schema for
 * `*object_key` columns that are missing).
 */
export const OBJECT_KEY_COLUMNS: ReadonlyArray<{ table: string; column: string; live?: string }> = [
  // A destroyed version keeps its row (history, indexes) but no longer holds its bytes, nor do copies of it.
  { table: 'document_versions', column: 'object_key', live: 'NOT EXISTS (SELECT 1 FROM disposed_versions dv WHERE dv.version_id = document_versions.id)' },
  { table: 'filing_receipts', column: 'object_key' },
  { table: 'case_file_indexes', column: 'object_key' },
  { table: 'case_file_receipts', column: 'object_key' },
  { table: 'authorized_copies', column: 'object_key', live: 'NOT EXISTS (SELECT 1 FROM disposed_versions dv WHERE dv.version_id = authorized_copies.version_id)' },
  { table: 'dispositions', column: 'certificate_object_key' },
  { table: 'communication_recipients', column: 'receipt_object_key' },
  { table: 'transfers', column: 'package_object_key' },
];

/**
 * Columns that name an object without keeping it alive: history (a fixity check of an object since destroyed must
 * not stop the sweeper or a disposal). The schema test accepts these besides OBJECT_KEY_COLUMNS.
 */
export const HISTORY_OBJECT_KEY_COLUMNS: ReadonlyArray<{ table: string; column: string }> = [{ table: 'fixity_checks', column: 'object_key' }];

export async function referencedObjectKeys(db: Db, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (keys.length === 0) return found;
  for (const { table, column, live } of OBJECT_KEY_COLUMNS) {
    const q = db(table).distinct(column).whereIn(column, keys);
    if (live) q.whereRaw(live);
    const rows: Array<Record<string, string>> = await q;
    for (const row of rows) found.add(row[column]!);
  }
  return found;
}
