import type { Db } from '../../db/Db.ts';

export const RENDITION_KINDS = ['searchable-pdf', 'certified-copy'] as const;
export type RenditionKind = (typeof RENDITION_KINDS)[number];

export interface RenditionRow {
  documentId: string;
  sourceVersion: number;
  derivedVersion: number;
  kind: RenditionKind;
  createdBy: string;
  createdAt: Date;
  details: Record<string, unknown>;
}

/** Which version of a document was derived from which (DESIGN.md §5 renditions). */
export const renditionRepository = {
  async insert(db: Db, agencyId: string, r: Omit<RenditionRow, 'createdAt'>): Promise<void> {
    await db('renditions').insert({
      agency_id: agencyId,
      document_id: r.documentId,
      source_version: r.sourceVersion,
      derived_version: r.derivedVersion,
      kind: r.kind,
      created_by: r.createdBy,
      details: JSON.stringify(r.details),
    });
  },

  async ofDocument(db: Db, agencyId: string, documentId: string): Promise<RenditionRow[]> {
    const rows = await db('renditions').where({ agency_id: agencyId, document_id: documentId }).orderBy('derived_version');
    return rows.map((r) => ({
      documentId: r.document_id,
      sourceVersion: r.source_version,
      derivedVersion: r.derived_version,
      kind: r.kind,
      createdBy: r.created_by,
      createdAt: r.created_at,
      details: r.details,
    }));
  },
};
