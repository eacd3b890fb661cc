import type { Knex } from 'knex';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Db } from '../../db/Db.ts';
import type { JobHandler } from '../../queue/Queue.ts';
import { readWhole } from '../documents/storeRangeSource.ts';
import { extractPdfText, PDF_TEXT_LIMITS, type PdfTextLimits } from './extractPdfText.ts';
import { indexDocumentText } from './indexDocumentText.ts';

export type ExtractionState = 'extracted' | 'needs-digitization' | 'failed';

/** Below this many letters and digits per page read, a PDF is taken for a scan: its words need OCR. */
const MIN_CHARS_PER_PAGE = 50;

/**
 * The text.extract job: the text layer of a filed PDF version goes into the search index, and the outcome (text,
 * a scan that needs digitization, or why nothing could be read) is recorded per version. Running it again redoes
 * the same work and writes the same rows.
 */
export class TextExtractionService {
  constructor(
    private readonly knex: Knex,
    private readonly store: ObjectStore,
    private readonly limits: PdfTextLimits = PDF_TEXT_LIMITS,
  ) {}

  async run(versionId: string): Promise<ExtractionState | null> {
    const v = await this.knex('document_versions').where({ id: versionId }).first('id', 'document_id', 'agency_id', 'media_type', 'object_key', 'size');
    if (!v || v.media_type !== 'application/pdf') return null;
    // A digitization's searchable PDF carries the OCR text, already indexed (with the reviewers' corrections).
    if (await this.knex('document_texts').where({ version_id: versionId, source: 'ocr' }).first('version_id')) return null;
    const result =
      Number(v.size) > this.limits.maxBytes
        ? { kind: 'unreadable' as const, reason: `el archivo supera ${this.limits.maxBytes} bytes, el máximo que se lee` }
        : await extractPdfText(await readWhole(this.store, v.object_key), this.limits);
    const ids = { versionId: v.id as string, documentId: v.document_id as string, agencyId: v.agency_id as string };
    return this.knex.transaction(async (trx) => {
      if (result.kind === 'unreadable') return this.record(trx, ids, 'failed', `Sin texto extraíble: ${result.reason}.`);
      const text = result.text.trim();
      if (text) await indexDocumentText(trx, { ...ids, source: 'extracted', text });
      const meaningful = text.replace(/[^\p{L}\p{N}]/gu, '').length;
      const scan = meaningful < MIN_CHARS_PER_PAGE * Math.max(1, result.pagesRead);
      const partial = result.pageCount > result.pagesRead ? ` Se leyeron ${result.pagesRead} de ${result.pageCount} páginas.` : '';
      return this.record(
        trx,
        ids,
        scan ? 'needs-digitization' : 'extracted',
        scan ? `El PDF casi no tiene capa de texto (¿una digitalización?): su contenido solo se podrá buscar tras el OCR.${partial}` : partial.trim() || null,
        { pagesRead: result.pagesRead, characters: text.length },
      );
    });
  }

  /** After the job's last try: the reason, instead of an outcome, so the version is never left unexplained. */
  async fail(versionId: string, reason: string): Promise<void> {
    const v = await this.knex('document_versions').where({ id: versionId }).first('id', 'document_id', 'agency_id');
    if (v) await this.record(this.knex, { versionId: v.id, documentId: v.document_id, agencyId: v.agency_id }, 'failed', `No se pudo extraer el texto: ${reason}`);
  }

  private async record(
    db: Db,
    ids: { versionId: string; documentId: string; agencyId: string },
    state: ExtractionState,
    reason: string | null,
    counts: { pagesRead: number; characters: number } = { pagesRead: 0, characters: 0 },
  ): Promise<ExtractionState> {
    const row = { version_id: ids.versionId, document_id: ids.documentId, agency_id: ids.agencyId, state, reason: reason?.slice(0, 2000) ?? null, pages_read: counts.pagesRead, characters: counts.characters, created_at: db.fn.now() };
    await db('text_extractions').insert(row).onConflict('version_id').merge();
    return state;
  }
}

/** The text.extract handler: after the last try the version's extraction is recorded as failed with the reason. */
export function textExtractJob(extraction: TextExtractionService): JobHandler {
  return async (data, ctx) => {
    if (typeof data.versionId !== 'string') throw new Error('El trabajo text.extract no trae versionId.');
    try {
      const state = await extraction.run(data.versionId);
      ctx.log.info({ versionId: data.versionId, state }, 'texto del PDF extraído');
    } catch (err) {
      if (ctx.retryCount >= ctx.retryLimit) await extraction.fail(data.versionId, (err as Error).message);
      throw err;
    }
  };
}
