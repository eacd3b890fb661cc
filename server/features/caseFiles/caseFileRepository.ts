import { MGDEE, type CaseFileMetadata, type CaseFileState } from '../../../standards/chile/caseFileMetadata.ts';
import type { Db } from '../../db/Db.ts';

export interface CaseFileRow {
  id: string;
  seq: number;
  agencyId: string;
  iuie: string;
  title: string;
  procedureCode: string;
  seriesCode: string | null;
  accessLevel: number;
  sensitive: boolean;
  state: CaseFileState;
  metadata: Record<string, unknown>;
  entryCount: number;
  folioCount: number;
  indexVersion: number;
  closedAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

export type EntryKind = 'document' | 'link' | 'case-file';

export interface EntryRow {
  id: string;
  caseFileId: string;
  position: number;
  kind: EntryKind;
  versionId: string | null;
  linkUri: string | null;
  linkDescription: string | null;
  nestedCaseFileId: string | null;
  nestedIndexVersion: number | null;
  sha256: string | null;
  firstFolio: number | null;
  lastFolio: number | null;
  addedBy: string;
  incorporatedAt: Date;
  removedAt: Date | null;
  removedBy: string | null;
  removedReason: string | null;
}

/** An entry with what the index needs from the document version or nested case file it points at. */
export interface EntryDetail extends EntryRow {
  document: { id: string; identifier: string; title: string; metadata: Record<string, unknown>; documentType: number | null; accessLevel: number; sensitive: boolean } | null;
  version: { number: number; sha256: string; size: number; mediaType: string; objectKey: string; fileName: string | null } | null;
  nestedIuie: string | null;
}

export interface IndexVersionRow {
  number: number;
  purpose: 'cierre' | 'remision' | 'recepcion';
  entryCount: number;
  sha256: string;
  size: number;
  objectKey: string;
  sealedBy: string;
  sealedAt: Date;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- rows come untyped from knex; mapped once here */
const toCaseFile = (r: any): CaseFileRow => ({
  id: r.id,
  seq: Number(r.seq),
  agencyId: r.agency_id,
  iuie: r.iuie,
  title: r.title,
  procedureCode: r.procedure_code,
  seriesCode: r.series_code,
  accessLevel: Number(r.access_level),
  sensitive: r.sensitive,
  state: r.state,
  metadata: r.metadata,
  entryCount: r.entry_count,
  folioCount: r.folio_count,
  indexVersion: r.index_version,
  closedAt: r.closed_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

const toEntry = (r: any): EntryRow => ({
  id: r.id,
  caseFileId: r.case_file_id,
  position: r.position,
  kind: r.kind,
  versionId: r.version_id,
  linkUri: r.link_uri,
  linkDescription: r.link_description,
  nestedCaseFileId: r.nested_case_file_id,
  nestedIndexVersion: r.nested_index_version,
  sha256: r.sha256,
  firstFolio: r.first_folio,
  lastFolio: r.last_folio,
  addedBy: r.added_by,
  incorporatedAt: r.incorporated_at,
  removedAt: r.removed_at,
  removedBy: r.removed_by,
  removedReason: r.removed_reason,
});

const toIndexVersion = (r: any): IndexVersionRow => ({
  number: r.number,
  purpose: r.purpose,
  entryCount: r.entry_count,
  sha256: r.sha256,
  size: Number(r.size),
  objectKey: r.object_key,
  sealedBy: r.sealed_by,
  sealedAt: r.sealed_at,
});
/* eslint-enable @typescript-eslint/no-explicit-any */

export const caseFileRepository = {
  /** A new case-file row; the columns lists and filters use are copied out of its metadata. */
  async insert(db: Db, agencyId: string, createdBy: string, m: CaseFileMetadata): Promise<CaseFileRow> {
    const [row] = await db('case_files')
      .insert({
        agency_id: agencyId,
        iuie: m[MGDEE.iuie],
        title: m[MGDEE.title],
        procedure_code: m[MGDEE.procedureCode],
        series_code: m[MGDEE.seriesCode] ?? null,
        access_level: m[MGDEE.accessLevel],
        sensitive: m[MGDEE.sensitive] === 1,
        state: m[MGDEE.state],
        metadata: JSON.stringify(m),
        created_by: createdBy,
      })
      .returning('*');
    return toCaseFile(row);
  },

  async findByIuie(db: Db, agencyId: string, iuie: string, forUpdate = false): Promise<CaseFileRow | null> {
    const q = db('case_files').where({ agency_id: agencyId, iuie }).first();
    const row = await (forUpdate ? q.forUpdate() : q);
    return row ? toCaseFile(row) : null;
  },

  async findById(db: Db, agencyId: string, id: string): Promise<CaseFileRow | null> {
    const row = await db('case_files').where({ agency_id: agencyId, id }).first();
    return row ? toCaseFile(row) : null;
  },

  async list(db: Db, f: { agencyId: string; state?: CaseFileState | undefined; procedureCode?: string | undefined; beforeSeq?: number | undefined; limit: number }): Promise<CaseFileRow[]> {
    const q = db('case_files').where({ agency_id: f.agencyId }).orderBy('seq', 'desc').limit(f.limit);
    if (f.state) q.andWhere({ state: f.state });
    if (f.procedureCode) q.andWhere({ procedure_code: f.procedureCode });
    if (f.beforeSeq !== undefined) q.andWhere('seq', '<', f.beforeSeq);
    return (await q).map(toCaseFile);
  },

  async update(db: Db, id: string, changes: Partial<Pick<CaseFileRow, 'state' | 'entryCount' | 'folioCount' | 'indexVersion' | 'closedAt'>>): Promise<void> {
    await db('case_files')
      .where({ id })
      .update({
        ...(changes.state !== undefined ? { state: changes.state } : {}),
        ...(changes.entryCount !== undefined ? { entry_count: changes.entryCount } : {}),
        ...(changes.folioCount !== undefined ? { folio_count: changes.folioCount } : {}),
        ...(changes.indexVersion !== undefined ? { index_version: changes.indexVersion } : {}),
        ...(changes.closedAt !== undefined ? { closed_at: changes.closedAt } : {}),
      });
  },

  /** A received remission carries its removed entries already marked; anything else starts unremoved. */
  async insertEntry(db: Db, agencyId: string, e: Omit<EntryRow, 'id' | 'removedAt' | 'removedBy' | 'removedReason'> & Partial<Pick<EntryRow, 'removedAt' | 'removedBy' | 'removedReason'>>): Promise<EntryRow> {
    const [row] = await db('case_file_entries')
      .insert({
        case_file_id: e.caseFileId,
        agency_id: agencyId,
        position: e.position,
        kind: e.kind,
        version_id: e.versionId,
        link_uri: e.linkUri,
        link_description: e.linkDescription,
        nested_case_file_id: e.nestedCaseFileId,
        nested_index_version: e.nestedIndexVersion,
        sha256: e.sha256,
        first_folio: e.firstFolio,
        last_folio: e.lastFolio,
        added_by: e.addedBy,
        incorporated_at: e.incorporatedAt,
        removed_at: e.removedAt ?? null,
        removed_by: e.removedBy ?? null,
        removed_reason: e.removedReason ?? null,
      })
      .returning('*');
    return toEntry(row);
  },

  async findEntry(db: Db, caseFileId: string, position: number): Promise<EntryRow | null> {
    const row = await db('case_file_entries').where({ case_file_id: caseFileId, position }).first();
    return row ? toEntry(row) : null;
  },

  async markRemoved(db: Db, entryId: string, removal: { at: Date; by: string; reason: string }): Promise<void> {
    await db('case_file_entries').where({ id: entryId }).update({ removed_at: removal.at, removed_by: removal.by, removed_reason: removal.reason });
  },

  /** Entries in order, joined with the version, document or nested case file each points at. */
  async entryDetails(db: Db, caseFileId: string, page?: { afterPosition: number; limit: number }): Promise<EntryDetail[]> {
    const q = db('case_file_entries as e')
      .leftJoin('document_versions as v', 'v.id', 'e.version_id')
      .leftJoin('documents as d', 'd.id', 'v.document_id')
      .leftJoin('case_files as n', 'n.id', 'e.nested_case_file_id')
      .where('e.case_file_id', caseFileId)
      .orderBy('e.position')
      .select(
        'e.*',
        'd.id as d_id',
        'd.identifier as d_identifier',
        'd.title as d_title',
        'd.metadata as d_metadata',
        'd.document_type as d_document_type',
        'd.access_level as d_access_level',
        'd.sensitive as d_sensitive',
        'v.number as v_number',
        'v.sha256 as v_sha256',
        'v.size as v_size',
        'v.media_type as v_media_type',
        'v.object_key as v_object_key',
        'v.file_name as v_file_name',
        'n.iuie as n_iuie',
      );
    if (page) q.andWhere('e.position', '>', page.afterPosition).limit(page.limit);
    const rows = await q;
    /* eslint-disable @typescript-eslint/no-explicit-any */
    return rows.map((r: any) => ({
      ...toEntry(r),
      document: r.d_id
        ? { id: r.d_id, identifier: r.d_identifier, title: r.d_title, metadata: r.d_metadata, documentType: r.d_document_type, accessLevel: Number(r.d_access_level), sensitive: r.d_sensitive }
        : null,
      version: r.v_number ? { number: r.v_number, sha256: r.v_sha256, size: Number(r.v_size), mediaType: r.v_media_type, objectKey: r.v_object_key, fileName: r.v_file_name } : null,
      nestedIuie: r.n_iuie ?? null,
    }));
    /* eslint-enable @typescript-eslint/no-explicit-any */
  },

  /** Case files nested (directly) in the given ones, for cycle detection. */
  async nestedIds(db: Db, caseFileIds: string[]): Promise<string[]> {
    const rows = await db('case_file_entries').whereIn('case_file_id', caseFileIds).andWhere({ kind: 'case-file' }).whereNull('removed_at').distinct('nested_case_file_id');
    return rows.map((r: { nested_case_file_id: string }) => r.nested_case_file_id);
  },

  async insertIndexVersion(db: Db, agencyId: string, caseFileId: string, v: IndexVersionRow): Promise<void> {
    await db('case_file_indexes').insert({
      case_file_id: caseFileId,
      agency_id: agencyId,
      number: v.number,
      purpose: v.purpose,
      entry_count: v.entryCount,
      sha256: v.sha256,
      size: v.size,
      object_key: v.objectKey,
      sealed_by: v.sealedBy,
      sealed_at: v.sealedAt,
    });
  },

  async indexVersions(db: Db, caseFileId: string): Promise<IndexVersionRow[]> {
    return (await db('case_file_indexes').where({ case_file_id: caseFileId }).orderBy('number')).map(toIndexVersion);
  },

  async findIndexVersion(db: Db, caseFileId: string, number: number): Promise<IndexVersionRow | null> {
    const row = await db('case_file_indexes').where({ case_file_id: caseFileId, number }).first();
    return row ? toIndexVersion(row) : null;
  },

  async insertReceipt(db: Db, r: { agencyId: string; caseFileId: string; act: 'apertura' | 'recepcion'; receiptNumber: string; sha256: string; objectKey: string }): Promise<number> {
    const last = await db('case_file_receipts').where({ case_file_id: r.caseFileId }).max<{ max: number | null }>('number as max').first();
    const number = (last?.max ?? 0) + 1;
    await db('case_file_receipts').insert({
      case_file_id: r.caseFileId,
      agency_id: r.agencyId,
      number,
      act: r.act,
      receipt_number: r.receiptNumber,
      sha256: r.sha256,
      object_key: r.objectKey,
    });
    return number;
  },

  async receipts(db: Db, caseFileId: string): Promise<Array<{ number: number; act: string; receiptNumber: string; sha256: string; objectKey: string; createdAt: Date }>> {
    const rows = await db('case_file_receipts').where({ case_file_id: caseFileId }).orderBy('number');
    return rows.map((r: Record<string, unknown>) => ({
      number: r.number as number,
      act: r.act as string,
      receiptNumber: r.receipt_number as string,
      sha256: r.sha256 as string,
      objectKey: r.object_key as string,
      createdAt: r.created_at as Date,
    }));
  },
};
