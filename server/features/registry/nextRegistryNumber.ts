import type { Db } from '../../db/Db.ts';

/**
 * Next number of a gap-free sequence. The upsert takes the counter row's lock, so concurrent callers queue up
 * behind each other and each gets the next value; a rolled-back transaction gives its number back.
 */
export async function nextRegistryNumber(db: Db, agencyId: string, kind: string, year: number): Promise<number> {
  const { rows } = await db.raw(
    `INSERT INTO registry_counters (agency_id, kind, year, last_value) VALUES (?, ?, ?, 1)
     ON CONFLICT (agency_id, kind, year) DO UPDATE SET last_value = registry_counters.last_value + 1
     RETURNING last_value`,
    [agencyId, kind, year],
  );
  return Number(rows[0].last_value);
}
