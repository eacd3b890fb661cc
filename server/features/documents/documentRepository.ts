import type { Db } from '../../db/Db.ts';

export type VersionStatus = 'draft' | 'final';
export type VersionOrigin = 'upload' | 'signature' | 'initials' | 'registry-stamp';

export interface DocumentRow {
  id: string;
  seq: number;
  agencyId: string;
  identifier: string;
  title: string;
  documentType: number | null;
  seriesCode: string | null;
  accessLevel: number;
  sensitive: boolean;
  documentCreatedAt: Date;
  metadata: Record<string, unknown>;
  currentVersion: number;
  createdBy: string;
  createdAt: Date;
}

export interface VersionRow {
  id: string;
  documentId: string;
  agencyId: string;
  number: number;
  status: VersionStatus;
  sha256: string;
  size: number;
  mediaType: string;
  objectKey: string;
  fileName: string | null;
  pageCount: number | null;
  pdfa: string | null;
  origin: VersionOrigin;
  derivedFrom: number | null;
  createdBy: string;
  createdAt: Date;
  finalizedAt: Date | null;
}

export interface RegistryEntry {
  registryNumber: string;
  createdAt: Date;
  createdBy: string;
}

export interface SignatureRow {
  position: number;
  signerName: string | null;
  signerRun: string | null;
  signedAt: Date | null;
  valid: boolean;
  coversWholeDocument: boolean;
  report: Record<string, unknown>;
}

export interface DocumentFilter {
  agencyId: string;
  seriesCode?: string | undefined;
  documentType?: number | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  text?: string | undefined;
  beforeSeq?: number | undefined;
  limit: number;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- rows come untyped from knex; mapped once here */
export const toDocument = (r: any): DocumentRow => ({
  id: r.id,
  seq: Number(r.seq),
  agencyId: r.agency_id,
  identifier: r.identifier,
  title: r.title,
  documentType: r.document_type,
  seriesCode: r.series_code,
  accessLevel: Number(r.access_level),
  sensitive: r.sensitive,
  documentCreatedAt: r.document_created_at,
  metadata: r.metadata,
  currentVersion: r.current_version,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

const toVersion = (r: any): VersionRow => ({
  id: r.id,
  documentId: r.document_id,
  agencyId: r.agency_id,
  number: r.number,
  status: r.status,
  sha256: r.sha256,
  size: Number(r.size),
  mediaType: r.media_type,
  objectKey: r.object_key,
  fileName: r.file_name,
  pageCount: r.page_count,
  pdfa: r.pdfa,
  origin: r.origin,
  derivedFrom: r.derived_from,
  createdBy: r.created_by,
  createdAt: r.created_at,
  finalizedAt: r.finalized_at,
});

const toSignature = (r: any): SignatureRow => ({
  position: r.position,
  signerName: r.signer_name,
  signerRun: r.signer_run,
  signedAt: r.signed_at,
  valid: r.valid,
  coversWholeDocument: r.covers_whole_document,
  report: r.report,
});
/* eslint-enable @typescript-eslint/no-explicit-any */

export const documentRepository = {
  async insertDocument(
    db: Db,
    d: Omit<DocumentRow, 'id' | 'seq' | 'createdAt' | 'currentVersion'> & { searchText: string },
  ): Promise<DocumentRow> {
    const [row] = await db('documents')
      .insert({
        agency_id: d.agencyId,
        identifier: d.identifier,
        title: d.title,
        document_type: d.documentType,
        series_code: d.seriesCode,
        access_level: d.accessLevel,
        sensitive: d.sensitive,
        document_created_at: d.documentCreatedAt,
        metadata: JSON.stringify(d.metadata),
        search_text: d.searchText,
        current_version: 1,
        created_by: d.createdBy,
      })
      .returning('*');
    return toDocument(row);
  },

  /** Locks the document row: versions of one document are numbered one at a time. */
  async findDocument(db: Db, agencyId: string, id: string, forUpdate = false): Promise<DocumentRow | null> {
    const q = db('documents').where({ agency_id: agencyId, id }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row ? toDocument(row) : null;
  },

  async listDocuments(db: Db, f: DocumentFilter): Promise<DocumentRow[]> {
    const q = db('documents').where({ agency_id: f.agencyId }).orderBy('seq', 'desc').limit(f.limit);
    if (f.seriesCode) q.andWhere('series_code', f.seriesCode);
    if (f.documentType) q.andWhere('document_type', f.documentType);
    if (f.from) q.andWhere('document_created_at', '>=', f.from);
    if (f.to) q.andWhere('document_created_at', '<', f.to);
    if (f.text) {
      for (const word of f.text.toLowerCase().split(/\s+/).filter(Boolean)) {
        q.andWhere('search_text', 'like', `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      }
    }
    if (f.beforeSeq !== undefined) q.andWhere('seq', '<', f.beforeSeq);
    return (await q).map(toDocument);
  },

  async setCurrentVersion(db: Db, documentId: string, number: number): Promise<void> {
    await db('documents').where({ id: documentId }).update({ current_version: number });
  },

  async insertVersion(db: Db, v: Omit<VersionRow, 'id' | 'createdAt' | 'finalizedAt'> & { finalizedAt?: Date | null }): Promise<VersionRow> {
    const [row] = await db('document_versions')
      .insert({
        document_id: v.documentId,
        agency_id: v.agencyId,
        number: v.number,
        status: v.status,
        sha256: v.sha256,
        size: v.size,
        media_type: v.mediaType,
        object_key: v.objectKey,
        file_name: v.fileName,
        page_count: v.pageCount,
        pdfa: v.pdfa,
        origin: v.origin,
        derived_from: v.derivedFrom,
        created_by: v.createdBy,
        finalized_at: v.finalizedAt ?? null,
      })
      .returning('*');
    return toVersion(row);
  },

  async findVersion(db: Db, agencyId: string, documentId: string, number: number, forUpdate = false): Promise<VersionRow | null> {
    const q = db('document_versions').where({ agency_id: agencyId, document_id: documentId, number }).first();
    if (forUpdate) q.forUpdate();
    const row = await q;
    return row ? toVersion(row) : null;
  },

  async listVersions(db: Db, agencyId: string, documentId: string): Promise<VersionRow[]> {
    return (await db('document_versions').where({ agency_id: agencyId, document_id: documentId }).orderBy('number')).map(toVersion);
  },

  /** Draft → final; the database refuses this for a version that is already final. */
  async finalize(db: Db, versionId: string, at: Date): Promise<void> {
    await db('document_versions').where({ id: versionId, status: 'draft' }).update({ status: 'final', finalized_at: at });
  },

  async insertRegistryEntry(
    db: Db,
    e: { agencyId: string; versionId: string; kind: string; year: number; value: number; registryNumber: string; createdBy: string },
  ): Promise<RegistryEntry | null> {
    const [row] = await db('registry_entries')
      .insert({ agency_id: e.agencyId, version_id: e.versionId, kind: e.kind, year: e.year, value: e.value, registry_number: e.registryNumber, created_by: e.createdBy })
      .onConflict('version_id')
      .ignore()
      .returning('*');
    return row ? { registryNumber: row.registry_number, createdAt: row.created_at, createdBy: row.created_by } : null;
  },

  async findRegistryEntry(db: Db, versionId: string): Promise<RegistryEntry | null> {
    const row = await db('registry_entries').where({ version_id: versionId }).first();
    return row ? { registryNumber: row.registry_number, createdAt: row.created_at, createdBy: row.created_by } : null;
  },

  async insertSignatures(db: Db, agencyId: string, versionId: string, signatures: SignatureRow[]): Promise<void> {
    if (!signatures.length) return;
    await db('version_signatures').insert(
      signatures.map((s) => ({
        version_id: versionId,
        agency_id: agencyId,
        position: s.position,
        signer_name: s.signerName,
        signer_run: s.signerRun,
        signed_at: s.signedAt,
        valid: s.valid,
        covers_whole_document: s.coversWholeDocument,
        report: JSON.stringify(s.report),
      })),
    );
  },

  async listSignatures(db: Db, versionId: string): Promise<SignatureRow[]> {
    return (await db('version_signatures').where({ version_id: versionId }).orderBy('position')).map(toSignature);
  },

  async insertInitials(db: Db, row: { versionId: string; agencyId: string; principalId: string; initials: string; stampedVersion: number | null }) {
    const [r] = await db('version_initials')
      .insert({ version_id: row.versionId, agency_id: row.agencyId, principal_id: row.principalId, initials: row.initials, stamped_version: row.stampedVersion })
      .returning('*');
    return { id: r.id as string, initials: r.initials as string, principalId: r.principal_id as string, stampedVersion: r.stamped_version as number | null, createdAt: r.created_at as Date };
  },

  async insertReceipt(db: Db, r: { agencyId: string; versionId: string; receiptNumber: string; sha256: string; objectKey: string }) {
    await db('filing_receipts').insert({ agency_id: r.agencyId, version_id: r.versionId, receipt_number: r.receiptNumber, sha256: r.sha256, object_key: r.objectKey });
  },

  async findReceipt(db: Db, agencyId: string, versionId: string): Promise<{ receiptNumber: string; sha256: string; objectKey: string; createdAt: Date } | null> {
    const r = await db('filing_receipts').where({ agency_id: agencyId, version_id: versionId }).first();
    return r ? { receiptNumber: r.receipt_number, sha256: r.sha256, objectKey: r.object_key, createdAt: r.created_at } : null;
  },
};
