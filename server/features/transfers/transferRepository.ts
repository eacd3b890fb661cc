import type { Db } from '../../db/Db.ts';

export const TRANSFER_STATES = ['queued', 'building', 'ready', 'failed', 'confirmed'] as const;
export type TransferState = (typeof TRANSFER_STATES)[number];
/** A case file in a transfer in one of these states cannot join another. */
export const LIVE_STATES: readonly TransferState[] = ['queued', 'building', 'ready'];

export interface TransferRow {
  id: string;
  agencyId: string;
  state: TransferState;
  seriesCode: string | null;
  dispositionId: string | null;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  packageObjectKey: string | null;
  packageSha256: string | null;
  packageSize: number | null;
  error: string | null;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  confirmedBy: string | null;
  confirmedAt: Date | null;
  receptionReference: string | null;
}

export interface TransferCaseFile {
  caseFileId: string;
  iuie: string;
  position: number;
  indexVersion: number;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- rows come untyped from knex; mapped once here */
const toTransfer = (r: any): TransferRow => ({
  id: r.id,
  agencyId: r.agency_id,
  state: r.state,
  seriesCode: r.series_code,
  dispositionId: r.disposition_id,
  filesTotal: r.files_total,
  filesDone: r.files_done,
  bytesTotal: Number(r.bytes_total),
  bytesDone: Number(r.bytes_done),
  packageObjectKey: r.package_object_key,
  packageSha256: r.package_sha256,
  packageSize: r.package_size === null ? null : Number(r.package_size),
  error: r.error,
  createdBy: r.created_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  confirmedBy: r.confirmed_by,
  confirmedAt: r.confirmed_at,
  receptionReference: r.reception_reference,
});
/* eslint-enable @typescript-eslint/no-explicit-any */

export const transferRepository = {
  async insert(db: Db, row: { agencyId: string; seriesCode: string | null; dispositionId: string | null; createdBy: string; createdAt: Date }, caseFiles: Array<{ id: string; indexVersion: number }>): Promise<TransferRow> {
    const [inserted] = await db('transfers')
      .insert({ agency_id: row.agencyId, state: 'queued', series_code: row.seriesCode, disposition_id: row.dispositionId, created_by: row.createdBy, created_at: row.createdAt })
      .returning('*');
    await db('transfer_case_files').insert(caseFiles.map((c, i) => ({ transfer_id: inserted.id, case_file_id: c.id, agency_id: row.agencyId, position: i + 1, index_version: c.indexVersion })));
    return toTransfer(inserted);
  },

  async find(db: Db, agencyId: string, id: string, forUpdate = false): Promise<TransferRow | null> {
    const q = db('transfers').where({ id, agency_id: agencyId }).first();
    const r = await (forUpdate ? q.forUpdate() : q);
    return r ? toTransfer(r) : null;
  },

  /**
   * The agency's transfers, newest first; `before` is the id of the last one of the previous page (created_at
   * alone can tie, so the id breaks ties). A `before` of another agency matches nothing, so it leaks nothing.
   */
  async list(db: Db, agencyId: string, opts: { before?: string | undefined; limit: number }): Promise<TransferRow[]> {
    const q = db('transfers').where({ agency_id: agencyId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(opts.limit);
    if (opts.before) {
      q.whereRaw('(created_at, id) < (select created_at, id from transfers where id = ? and agency_id = ?)', [opts.before, agencyId]);
    }
    return (await q).map(toTransfer);
  },

  /** Case files of several transfers, in package order, by transfer id. */
  async caseFilesOf(db: Db, transferIds: readonly string[]): Promise<Map<string, TransferCaseFile[]>> {
    const out = new Map<string, TransferCaseFile[]>(transferIds.map((id) => [id, []]));
    if (!transferIds.length) return out;
    const rows = await db('transfer_case_files as t').join('case_files as c', 'c.id', 't.case_file_id').whereIn('t.transfer_id', transferIds).orderBy([{ column: 't.transfer_id' }, { column: 't.position' }]).select('t.transfer_id', 't.case_file_id', 'c.iuie', 't.position', 't.index_version');
    for (const r of rows as Array<{ transfer_id: string; case_file_id: string; iuie: string; position: number; index_version: number }>) {
      out.get(r.transfer_id)!.push({ caseFileId: r.case_file_id, iuie: r.iuie, position: r.position, indexVersion: r.index_version });
    }
    return out;
  },

  async findById(db: Db, id: string, forUpdate = false): Promise<TransferRow | null> {
    const q = db('transfers').where({ id }).first();
    const r = await (forUpdate ? q.forUpdate() : q);
    return r ? toTransfer(r) : null;
  },

  async update(db: Db, id: string, patch: Record<string, unknown>): Promise<void> {
    await db('transfers').where({ id }).update(patch);
  },

  async caseFiles(db: Db, transferId: string): Promise<TransferCaseFile[]> {
    const rows = await db('transfer_case_files as t').join('case_files as c', 'c.id', 't.case_file_id').where('t.transfer_id', transferId).orderBy('t.position').select('t.case_file_id', 'c.iuie', 't.position', 't.index_version');
    return rows.map((r: { case_file_id: string; iuie: string; position: number; index_version: number }) => ({ caseFileId: r.case_file_id, iuie: r.iuie, position: r.position, indexVersion: r.index_version }));
  },

  /** Case files (of those given) already carried by a live transfer, with that transfer's id. */
  async inLiveTransfer(db: Db, caseFileIds: string[]): Promise<Map<string, string>> {
    const rows = await db('transfer_case_files as t').join('transfers as x', 'x.id', 't.transfer_id').whereIn('t.case_file_id', caseFileIds).whereIn('x.state', LIVE_STATES).select('t.case_file_id', 'x.id');
    return new Map(rows.map((r: { case_file_id: string; id: string }) => [r.case_file_id, r.id]));
  },
};
