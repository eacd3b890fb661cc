import { createHash } from 'node:crypto';
import type { Db } from '../../db/Db.ts';
import { ValidationError } from '../../errors.ts';

export interface IdempotentAnswer {
  status: number;
  body: unknown;
  /** True when this is the stored first answer to an earlier request with the same key. */
  replayed: boolean;
}

export const fingerprintOf = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex');

/**
 * Runs `produce` at most once per (agency, Idempotency-Key), inside the caller's transaction. The key row is
 * inserted first: a concurrent request with the same key waits on it and then replays the committed answer.
 */
export async function idempotent(
  trx: Db,
  scope: { agencyId: string; key: string | undefined; route: string; fingerprint: string },
  produce: () => Promise<{ status: number; body: unknown }>,
): Promise<IdempotentAnswer> {
  if (!scope.key) return { ...(await produce()), replayed: false };
  const claimed = await trx('idempotency_keys')
    .insert({ agency_id: scope.agencyId, key: scope.key, route: scope.route, fingerprint: scope.fingerprint, status: 0, body: '{}' })
    .onConflict(['agency_id', 'key'])
    .ignore()
    .returning('key');
  if (claimed.length === 0) {
    const first = await trx('idempotency_keys').where({ agency_id: scope.agencyId, key: scope.key }).first();
    if (first.route !== scope.route || first.fingerprint !== scope.fingerprint) {
      throw new ValidationError('Esta Idempotency-Key ya se usó con otra solicitud. Use una clave nueva para cada operación distinta.', [
        { field: 'header.Idempotency-Key', message: 'reutilizada con otra solicitud' },
      ]);
    }
    return { status: first.status, body: first.body, replayed: true };
  }
  const answer = await produce();
  await trx('idempotency_keys').where({ agency_id: scope.agencyId, key: scope.key }).update({ status: answer.status, body: JSON.stringify(answer.body) });
  return { ...answer, replayed: false };
}
