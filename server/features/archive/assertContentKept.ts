import type { Db } from '../../db/Db.ts';
import { GoneError } from '../../errors.ts';

/** Refuses to serve or reuse a version whose content was destroyed under its retention schedule. */
export async function assertContentKept(db: Db, versionId: string): Promise<void> {
  const gone = await db('disposed_versions as dv')
    .join('tombstones as t', 't.id', 'dv.tombstone_id')
    .join('dispositions as d', 'd.id', 't.disposition_id')
    .where('dv.version_id', versionId)
    .first('dv.destroyed_at', 'd.id as disposition_id');
  if (gone) {
    throw new GoneError(
      `El contenido de esta versión se eliminó el ${gone.destroyed_at.toISOString()} por la eliminación ${gone.disposition_id}, conforme a su tabla de retención; ` +
        'se conservan sus metadatos y su hash. El acta está en GET /v1/dispositions/{id}/certificate.',
    );
  }
}
