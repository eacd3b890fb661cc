import type { ObjectStore } from './ObjectStore.ts';

export interface SweepOrphansOptions {
  store: ObjectStore;
  /** Which of `keys` some row references (the server queries the database). Called in batches. */
  isReferenced: (keys: string[]) => Promise<Set<string>>;
  /**
   * Only objects and temporary data last modified more than this long before `now` are considered. It must exceed
   * the longest put (S3 multipart uploads are dated from their start) plus the time from a put to the commit of the
   * row referencing it, and the S3 adapter's refreshAfterMs.
   */
  graceMs: number;
  now: Date;
  batchSize?: number;
}

export interface SweepOrphansResult {
  /** Objects old enough to be considered. */
  examined: number;
  deleted: number;
  temporaryRemoved: number;
}

/**
 * Removes what a crash can leave behind (DESIGN.md §6): objects written but never referenced by a row, and
 * temporary data of puts that never finished. The grace period protects puts in progress and objects whose row is
 * not committed yet.
 */
export async function sweepOrphans({
  store,
  isReferenced,
  graceMs,
  now,
  batchSize = 1000,
}: SweepOrphansOptions): Promise<SweepOrphansResult> {
  const cutoff = now.getTime() - graceMs;
  const result: SweepOrphansResult = { examined: 0, deleted: 0, temporaryRemoved: 0 };

  const sweepBatch = async (keys: string[]): Promise<void> => {
    const referenced = await isReferenced(keys);
    for (const key of keys) {
      if (referenced.has(key)) continue;
      // Re-checked just before deleting: a re-put of the same bytes since the listing refreshed it for a new row.
      const stat = await store.stat(key);
      if (stat === null || stat.lastModified.getTime() >= cutoff) continue;
      await store.delete(key);
      result.deleted++;
    }
  };

  let batch: string[] = [];
  for await (const object of store.list()) {
    if (object.lastModified.getTime() >= cutoff) continue;
    result.examined++;
    batch.push(object.key);
    if (batch.length >= batchSize) {
      await sweepBatch(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await sweepBatch(batch);

  for await (const entry of store.listTemporary()) {
    if (entry.lastModified.getTime() >= cutoff) continue;
    await store.removeTemporary(entry.id);
    result.temporaryRemoved++;
  }
  return result;
}
