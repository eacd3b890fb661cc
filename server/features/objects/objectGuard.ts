import type { Knex } from 'knex';
import type { ObjectStore, PutResult } from '../../../storage/ObjectStore.ts';
import type { Db } from '../../db/Db.ts';
import { ServiceUnavailableError } from '../../errors.ts';
import { referencedObjectKeys } from './referencedObjectKeys.ts';

/**
 * Identical bytes share one object, so "delete the object of a rejected upload" can race with another request
 * that is about to reference the same bytes. Both sides take this transaction-scoped lock on the key: whoever
 * references an object checks it still exists under the lock; whoever discards one checks nothing references it.
 */
export async function lockObjectKey(trx: Db, key: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`object:${key}`]);
}

/** Called inside the transaction that inserts a row pointing at `key`, before the insert. */
export async function assertObjectPresent(trx: Db, store: ObjectStore, key: string): Promise<void> {
  await lockObjectKey(trx, key);
  if (!(await store.exists(key))) {
    throw new ServiceUnavailableError('El contenido se eliminó mientras se registraba (otra carga idéntica fue rechazada). Reintente la solicitud.');
  }
}

/** Removes an object this request created, unless a row references it by now. */
export async function discardIfUnreferenced(knex: Knex, store: ObjectStore, put: PutResult): Promise<void> {
  if (!put.created) return;
  await knex.transaction(async (trx) => {
    await lockObjectKey(trx, put.key);
    const referenced = await referencedObjectKeys(trx, [put.key]);
    if (!referenced.has(put.key)) await store.delete(put.key);
  });
}
