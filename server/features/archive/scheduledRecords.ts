import type { Db } from '../../db/Db.ts';
import type { HoldSubject } from './heldBy.ts';

/** A record that can come under a retention schedule: a closed case file, or a document outside any case file. */
export interface ScheduledRecord extends HoldSubject {
  label: string;
  /** Its own trigger: closing for a case file, finalisation of its current version for a document; null if not yet. */
  event: Date | null;
  /** Bytes of every version of every document it would take with it. */
  bytes: number;
}

/**
 * Records of an agency that disposal may act on: closed case files not yet destroyed, transferred or in a transfer,
 * and documents that belong to no case file (those inside one follow it). `only` narrows to some ids.
 */
export async function scheduledRecords(db: Db, agencyId: string, only?: { caseFiles?: string[]; documents?: string[] }): Promise<ScheduledRecord[]> {
  const caseFiles = await db.raw(
    `SELECT cf.id, cf.iuie, cf.title, cf.series_code, cf.closed_at,
            COALESCE(json_agg(DISTINCT jsonb_build_object('id', d.id, 'seriesCode', d.series_code)) FILTER (WHERE d.id IS NOT NULL), '[]') AS documents,
            COALESCE((SELECT sum(v2.size) FROM document_versions v2 WHERE v2.document_id IN (
              SELECT v3.document_id FROM case_file_entries e3 JOIN document_versions v3 ON v3.id = e3.version_id WHERE e3.case_file_id = cf.id)), 0) AS bytes
       FROM case_files cf
       LEFT JOIN case_file_entries e ON e.case_file_id = cf.id AND e.kind = 'document'
       LEFT JOIN document_versions v ON v.id = e.version_id
       LEFT JOIN documents d ON d.id = v.document_id
      WHERE cf.agency_id = ? AND cf.state = 'cerrado'
        AND NOT EXISTS (SELECT 1 FROM tombstones t WHERE t.target_id = cf.id)
        ${only?.caseFiles ? 'AND cf.id = ANY(?)' : ''}
      GROUP BY cf.id
      ORDER BY cf.closed_at, cf.iuie`,
    only?.caseFiles ? [agencyId, only.caseFiles] : [agencyId],
  );
  const documents = await db.raw(
    `SELECT d.id, d.identifier, d.title, d.series_code, cv.finalized_at,
            (SELECT sum(v.size) FROM document_versions v WHERE v.document_id = d.id) AS bytes
       FROM documents d
       JOIN document_versions cv ON cv.document_id = d.id AND cv.number = d.current_version
      WHERE d.agency_id = ?
        AND NOT EXISTS (SELECT 1 FROM tombstones t WHERE t.target_id = d.id)
        AND NOT EXISTS (SELECT 1 FROM case_file_entries e JOIN document_versions v ON v.id = e.version_id WHERE v.document_id = d.id)
        ${only?.documents ? 'AND d.id = ANY(?)' : ''}
      ORDER BY d.created_at, d.identifier`,
    only?.documents ? [agencyId, only.documents] : [agencyId],
  );
  /* eslint-disable @typescript-eslint/no-explicit-any -- raw rows */
  return [
    ...caseFiles.rows.map((r: any): ScheduledRecord => ({
      targetType: 'case_file',
      targetId: r.id,
      seriesCode: r.series_code,
      label: `${r.iuie} · ${r.title}`,
      event: r.closed_at,
      bytes: Number(r.bytes),
      documents: typeof r.documents === 'string' ? JSON.parse(r.documents) : r.documents,
    })),
    ...documents.rows.map((r: any): ScheduledRecord => ({
      targetType: 'document',
      targetId: r.id,
      seriesCode: r.series_code,
      label: `${r.identifier} · ${r.title}`,
      event: r.finalized_at,
      bytes: Number(r.bytes ?? 0),
    })),
  ];
  /* eslint-enable @typescript-eslint/no-explicit-any */
}
