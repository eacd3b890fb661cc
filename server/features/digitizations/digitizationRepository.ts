import type { Db } from '../../db/Db.ts';
import type { OcrLanguage, OcrWord } from '../../../ocr-worker/engine/OcrEngine.ts';

export const DIGITIZATION_STATES = ['queued', 'processing', 'done', 'failed', 'certified'] as const;
export type DigitizationState = (typeof DIGITIZATION_STATES)[number];
export const PAGE_STATES = ['pending', 'done', 'failed', 'review', 'rescan'] as const;
export type PageState = (typeof PAGE_STATES)[number];
export const COLOR_MODES = ['bitonal', 'gris', 'color'] as const;
export const REVIEW_ACTIONS = ['accept', 'correct', 'rescan'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

export interface DigitizationRow {
  id: string;
  agencyId: string;
  documentId: string;
  originalVersion: number;
  searchableVersion: number | null;
  certifiedVersion: number | null;
  state: DigitizationState;
  device: string;
  dpi: number;
  colorMode: (typeof COLOR_MODES)[number];
  operator: string;
  declaredPages: number;
  scannedPages: number;
  lang: OcrLanguage;
  caseFileIuie: string | null;
  error: string | null;
  createdBy: string;
  createdAt: Date;
  finishedAt: Date | null;
  certifiedBy: string | null;
  certifiedAt: Date | null;
  /** The page count a clerk confirmed, when the declared one was wrong. */
  confirmedPages: number | null;
}

export interface PageRow {
  seq: number;
  digitizationId: string;
  number: number;
  width: number;
  height: number;
  state: PageState;
  confidence: number | null;
  text: string | null;
  words: Array<Pick<OcrWord, 'text' | 'bbox'>> | null;
  error: string | null;
  reviewAction: ReviewAction | null;
  correctedText: string | null;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  /** The version holding this page's image when it was rescanned; null: page `number` of the original scan. */
  sourceVersion: number | null;
  /** Quarter turn clockwise, in degrees, that makes the page upright. */
  rotation: number;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- rows come untyped from knex; mapped once here */
const toDigitization = (r: any): DigitizationRow => ({
  id: r.id,
  agencyId: r.agency_id,
  documentId: r.document_id,
  originalVersion: r.original_version,
  searchableVersion: r.searchable_version,
  certifiedVersion: r.certified_version,
  state: r.state,
  device: r.device,
  dpi: r.dpi,
  colorMode: r.color_mode,
  operator: r.operator,
  declaredPages: r.declared_pages,
  scannedPages: r.scanned_pages,
  lang: r.lang,
  caseFileIuie: r.case_file_iuie,
  error: r.error,
  createdBy: r.created_by,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  certifiedBy: r.certified_by,
  certifiedAt: r.certified_at,
  confirmedPages: r.confirmed_pages,
});

const toPage = (r: any): PageRow => ({
  seq: Number(r.seq),
  digitizationId: r.digitization_id,
  number: r.number,
  width: r.width,
  height: r.height,
  state: r.state,
  confidence: r.confidence === null ? null : Number(r.confidence),
  text: r.text,
  words: r.words,
  error: r.error,
  reviewAction: r.review_action,
  correctedText: r.corrected_text,
  reviewedBy: r.reviewed_by,
  reviewedAt: r.reviewed_at,
  sourceVersion: r.source_version,
  rotation: r.rotation,
});
/* eslint-enable @typescript-eslint/no-explicit-any */

export const digitizationRepository = {
  async insert(
    db: Db,
    d: Omit<DigitizationRow, 'id' | 'searchableVersion' | 'certifiedVersion' | 'state' | 'error' | 'createdAt' | 'finishedAt' | 'certifiedBy' | 'certifiedAt' | 'confirmedPages'>,
    pages: Array<{ width: number; height: number }>,
  ): Promise<DigitizationRow> {
    const [row] = await db('digitizations')
      .insert({
        agency_id: d.agencyId,
        document_id: d.documentId,
        original_version: d.originalVersion,
        state: 'queued',
        device: d.device,
        dpi: d.dpi,
        color_mode: d.colorMode,
        operator: d.operator,
        declared_pages: d.declaredPages,
        scanned_pages: d.scannedPages,
        lang: d.lang,
        case_file_iuie: d.caseFileIuie,
        created_by: d.createdBy,
      })
      .returning('*');
    await db('ocr_pages').insert(pages.map((p, i) => ({ digitization_id: row.id, agency_id: d.agencyId, number: i + 1, width: p.width, height: p.height, state: 'pending' })));
    return toDigitization(row);
  },

  /** Without an agency: the OCR job acts on the row it was given. */
  async findById(db: Db, id: string, forUpdate = false): Promise<DigitizationRow | null> {
    const q = db('digitizations').where({ id }).first();
    const row = await (forUpdate ? q.forUpdate() : q);
    return row ? toDigitization(row) : null;
  },

  async find(db: Db, agencyId: string, id: string, forUpdate = false): Promise<DigitizationRow | null> {
    const q = db('digitizations').where({ id, agency_id: agencyId }).first();
    const row = await (forUpdate ? q.forUpdate() : q);
    return row ? toDigitization(row) : null;
  },

  async update(db: Db, id: string, changes: Record<string, unknown>): Promise<void> {
    await db('digitizations').where({ id }).update(changes);
  },

  async pages(db: Db, id: string): Promise<PageRow[]> {
    return (await db('ocr_pages').where({ digitization_id: id }).orderBy('number')).map(toPage);
  },

  async page(db: Db, id: string, number: number, forUpdate = false): Promise<PageRow | null> {
    const q = db('ocr_pages').where({ digitization_id: id, number }).first();
    const row = await (forUpdate ? q.forUpdate() : q);
    return row ? toPage(row) : null;
  },

  async updatePage(db: Db, id: string, number: number, changes: Record<string, unknown>): Promise<void> {
    await db('ocr_pages').where({ digitization_id: id, number }).update(changes);
  },

  /** The agency's latest digitizations, newest first, with their document's title and whether it is guarded. */
  async recent(db: Db, agencyId: string, limit: number): Promise<Array<DigitizationRow & { title: string; guarded: boolean }>> {
    const rows = await db('digitizations as d')
      .join('documents as doc', 'doc.id', 'd.document_id')
      .where('d.agency_id', agencyId)
      .orderBy([{ column: 'd.created_at', order: 'desc' }, { column: 'd.id', order: 'desc' }])
      .limit(limit)
      .select('d.*', 'doc.title', 'doc.access_level', 'doc.sensitive');
    return rows.map((r) => ({ ...toDigitization(r), title: r.title, guarded: Number(r.access_level) > 1 || r.sensitive }));
  },

  /** Pages awaiting a reviewer (low confidence or failed), oldest first, `limit` rows. */
  async reviewQueue(db: Db, agencyId: string, afterSeq: number | undefined, limit: number): Promise<Array<PageRow & { documentId: string; guarded: boolean }>> {
    const q = db('ocr_pages as p')
      .join('digitizations as d', 'd.id', 'p.digitization_id')
      .join('documents as doc', 'doc.id', 'd.document_id')
      .where('p.agency_id', agencyId)
      .whereIn('p.state', ['review', 'failed'])
      .orderBy('p.seq')
      .limit(limit)
      .select('p.*', 'd.document_id', 'doc.access_level', 'doc.sensitive');
    if (afterSeq !== undefined) q.where('p.seq', '>', afterSeq);
    return (await q).map((r) => ({ ...toPage(r), documentId: r.document_id, guarded: Number(r.access_level) > 1 || r.sensitive }));
  },
};
