import type { Knex } from 'knex';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { OcrEngine } from '../../../ocr-worker/engine/OcrEngine.ts';
import { OcrError } from '../../../ocr-worker/engine/OcrEngine.ts';
import { loadScanPages, ScanRejectedError, type ScanPage } from '../../../ocr-worker/engine/loadScanPages.ts';
import { INCORPORATION, MGDDE } from '../../../standards/chile/documentMetadata.ts';
import { searchablePdf, SearchablePdfError } from '../../../standards/pdf/searchablePdf.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../errors.ts';
import type { JobQueue } from '../../queue/JobQueue.ts';
import type { JobHandler } from '../../queue/Queue.ts';
import type { AuditService } from '../audit/auditService.ts';
import type { CaseFileService } from '../caseFiles/caseFileService.ts';
import { parseMetadata, type DocumentService, type Filed, type Upload } from '../documents/documentService.ts';
import { readWhole } from '../documents/storeRangeSource.ts';
import { fingerprintOf, idempotent } from '../idempotency/idempotency.ts';
import { discardIfUnreferenced } from '../objects/objectGuard.ts';
import type { Actor } from '../principals/Actor.ts';
import { indexDocumentText } from '../search/indexDocumentText.ts';
import { COLOR_MODES, digitizationRepository as repo, type DigitizationRow, type PageRow, type ReviewAction } from './digitizationRepository.ts';
import { iuieSchema } from '../../../standards/chile/caseFileMetadata.ts';

export interface DigitizationSettings {
  /** Pages whose mean confidence is under this (0-100) go to the review queue (OCR_REVIEW_BELOW). */
  reviewBelow: number;
  pageTimeoutMs: number;
  /** Largest page accepted, in pixels, checked on the declared size before decoding. */
  maxPixels: number;
  maxPages: number;
  /** Pages handed to the engine at once; the engine's pool runs them. */
  concurrency: number;
}

/** 100 Mpx takes an A3 page at 600 dpi; 70 is the confidence under which Tesseract's Spanish output needs a reader. */
export const DEFAULT_DIGITIZATION_SETTINGS: DigitizationSettings = { reviewBelow: 70, pageTimeoutMs: 120_000, maxPixels: 100_000_000, maxPages: 500, concurrency: 2 };

const text = (max: number) => z.string().trim().min(1).max(max);

export const captureInput = z.strictObject({
  device: text(200).describe('escáner usado'),
  dpi: z.number().int().min(50).max(1200).describe('resolución de captura en puntos por pulgada'),
  colorMode: z.enum(COLOR_MODES),
  operator: text(300).describe('persona que digitalizó'),
  declaredPages: z.number().int().min(1).max(10_000).describe('páginas contadas en el papel'),
  caseFile: iuieSchema.optional().describe('IUIe del expediente al que se incorpora la copia certificada'),
  lang: z.enum(['spa', 'eng', 'spa+eng']).default('spa'),
  title: text(500),
  documentType: z.number().int().min(1).max(42).optional(),
  keywords: z.array(text(100)).min(1).max(50).optional(),
  accessLevel: z.number().int().min(1).max(4).default(1).describe('1 Público, 2 Restringido, 3 Secreto, 4 Reservado'),
});
export type CaptureInput = z.output<typeof captureInput>;

export function parseCapture(json: string | undefined): CaptureInput {
  if (json === undefined) throw new ValidationError('Falta la parte "capture" con los datos de captura (JSON).', [{ field: 'capture', message: 'obligatorio' }]);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new ValidationError(`La parte "capture" no es JSON válido: ${(err as Error).message}`, [{ field: 'capture', message: 'JSON inválido' }]);
  }
  const parsed = captureInput.safeParse(raw);
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.map((i) => ({ field: ['capture', ...i.path.map(String)].join('.'), message: i.message }));
    throw new ValidationError(`Los datos de captura tienen ${errors.length} error(es); corrija los campos indicados en errors.`, errors);
  }
  return parsed.data;
}

const LANGUAGE_TAG = { spa: 'es', eng: 'en', 'spa+eng': 'es' } as const;

/** Pages that stop certification, and why each one does. */
const BLOCKING: Partial<Record<PageRow['state'], string>> = { pending: 'sin OCR', review: 'pendiente de revisión', failed: 'OCR fallido', rescan: 'con nueva digitalización solicitada' };

export class DigitizationService {
  constructor(
    private readonly knex: Knex,
    private readonly store: ObjectStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    /** The document service bound to a transaction, so filing joins the caller's (as a savepoint). */
    private readonly documentsIn: (db: Knex) => DocumentService,
    private readonly caseFiles: CaseFileService,
    private readonly jobs: JobQueue,
    private readonly ocr: OcrEngine | null,
    private readonly settings: DigitizationSettings,
  ) {}

  private async scanPages(bytes: Buffer): Promise<ScanPage[]> {
    return loadScanPages(bytes, { maxPixels: this.settings.maxPixels, maxPages: this.settings.maxPages });
  }

  /**
   * Intake: the scan is checked by its content, filed untouched as version 1 of a new document (incorporated by
   * digitization), and the digitization, its pages and its OCR job are written in one transaction.
   */
  async intake(actor: Actor, upload: Upload, capture: CaptureInput, idempotencyKey?: string) {
    let pages: ScanPage[];
    try {
      pages = await this.scanPages(await readWhole(this.store, upload.put.key));
    } catch (err) {
      if (err instanceof ScanRejectedError) throw new ValidationError(err.message, [{ field: 'file', message: err.reason }]);
      throw err;
    }
    const first = pages[0]!;
    const now = this.clock.now().toISOString();
    const metadata = parseMetadata(
      JSON.stringify({
        [MGDDE.title]: capture.title,
        [MGDDE.captureResolution]: `${first.width}x${first.height}`,
        [MGDDE.keywords]: capture.keywords ?? ['digitalización'],
        [MGDDE.language]: LANGUAGE_TAG[capture.lang],
        [MGDDE.createdAt]: now,
        [MGDDE.capturedAt]: now,
        [MGDDE.documentType]: capture.documentType,
        [MGDDE.incorporation]: INCORPORATION.digitization,
        // Paper brought to the agency: the agency receives it.
        [MGDDE.agencyRelation]: 2,
        [MGDDE.accessLevel]: capture.accessLevel,
        [MGDDE.sensitive]: 2,
        [MGDDE.advancedSignature]: 2,
      }),
    );
    return this.knex.transaction((trx) =>
      idempotent(trx, { agencyId: actor.agencyId, key: idempotencyKey, route: 'POST /v1/digitizations', fingerprint: fingerprintOf(upload.put.sha256, JSON.stringify(capture)) }, async () => {
        if (capture.caseFile) {
          try {
            await this.caseFiles.require(trx, actor, capture.caseFile);
          } catch (err) {
            if (err instanceof NotFoundError) throw new ValidationError(err.message, [{ field: 'capture.caseFile', message: 'expediente inexistente' }]);
            throw err;
          }
        }
        const filed = (await this.documentsIn(trx).file(actor, upload, metadata)).body as Filed;
        const d = await repo.insert(
          trx,
          {
            agencyId: actor.agencyId,
            documentId: filed.document.id,
            originalVersion: filed.version.number,
            device: capture.device,
            dpi: capture.dpi,
            colorMode: capture.colorMode,
            operator: capture.operator,
            declaredPages: capture.declaredPages,
            scannedPages: pages.length,
            lang: capture.lang,
            caseFileIuie: capture.caseFile ?? null,
            createdBy: actor.principalId,
          },
          pages,
        );
        await this.jobs.enqueue(trx, 'ocr.batch', { digitizationId: d.id }, { singletonKey: d.id });
        await this.record(trx, actor, 'digitization.intake', d.id, { documentId: d.documentId, pages: pages.length, declaredPages: d.declaredPages, sha256: upload.put.sha256 });
        return { status: 202, body: { id: d.id, state: d.state, pages: pages.length, documentId: d.documentId } };
      }),
    );
  }

  async get(actor: Actor, id: string): Promise<{ digitization: DigitizationRow; pages: PageRow[] }> {
    const digitization = await this.require(this.knex, actor, id);
    return { digitization, pages: await repo.pages(this.knex, id) };
  }

  /**
   * One page more than `limit` when there is another page of the queue. The items carry OCR text, so reading a
   * restricted or sensitive document's pages is recorded (DS 10 art. 37).
   */
  async reviewQueue(actor: Actor, afterSeq: number | undefined, limit: number) {
    const rows = await repo.reviewQueue(this.knex, actor.agencyId, afterSeq, limit + 1);
    const guarded = [...new Set(rows.slice(0, limit).filter((r) => r.guarded).map((r) => r.documentId))];
    if (guarded.length) {
      await this.audit.append(this.knex, { action: 'digitization.review-queue.read', targetType: 'document', targetId: guarded.length === 1 ? guarded[0]! : null, data: { documents: guarded }, agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId });
    }
    return rows;
  }

  /** A reviewer's decision on a page in review or failed; a correction is kept beside the OCR text, which stays. */
  async review(actor: Actor, id: string, number: number, input: { action: ReviewAction; text?: string | undefined }): Promise<PageRow> {
    if (input.action === 'correct' && !input.text) throw new ValidationError('Una corrección necesita el texto corregido.', [{ field: 'body.text', message: 'obligatorio con action correct' }]);
    if (input.action !== 'correct' && input.text !== undefined) throw new ValidationError('El texto solo se envía con action correct.', [{ field: 'body.text', message: 'solo con correct' }]);
    return this.knex.transaction(async (trx) => {
      const d = await this.require(trx, actor, id, true);
      const page = await repo.page(trx, id, number, true);
      if (!page) throw new NotFoundError(`La digitalización no tiene página ${number}.`);
      if (page.state !== 'review' && page.state !== 'failed') throw new ConflictError(`La página ${number} no espera revisión (estado ${page.state}).`);
      await repo.updatePage(trx, id, number, {
        state: input.action === 'rescan' ? 'rescan' : 'done',
        review_action: input.action,
        corrected_text: input.action === 'correct' ? input.text : null,
        reviewed_by: actor.principalId,
        reviewed_at: this.clock.now(),
      });
      if (input.action === 'correct' && d.searchableVersion !== null) await this.indexOcrText(trx, d);
      await this.record(trx, actor, 'digitization.page.review', id, { page: number, action: input.action });
      return (await repo.page(trx, id, number))!;
    });
  }

  /**
   * Seals the searchable PDF with the agency seal as a certified digitized copy, adds it to the case file if one
   * was given, all in one transaction; refused while any page or the page count is unresolved.
   */
  async certify(actor: Actor, id: string): Promise<DigitizationRow> {
    return this.knex.transaction(async (trx) => {
      const d = await this.require(trx, actor, id, true);
      if (d.state === 'certified') throw new ConflictError(`La digitalización ya está certificada (versión ${d.certifiedVersion}).`);
      if (d.state !== 'done' || d.searchableVersion === null) throw new ConflictError(`No se puede certificar: el OCR no ha terminado (estado ${d.state}).`);
      const blocking = (await repo.pages(trx, id)).filter((p) => BLOCKING[p.state]);
      if (blocking.length) {
        throw new ConflictError(`No se puede certificar: ${blocking.map((p) => `página ${p.number} ${BLOCKING[p.state]}`).join('; ')}.`);
      }
      if (d.declaredPages !== d.scannedPages) {
        throw new ConflictError(`No se puede certificar: se declararon ${d.declaredPages} páginas en papel y se digitalizaron ${d.scannedPages}.`);
      }
      const now = this.clock.now();
      const person = await trx('principals').where({ id: actor.principalId }).first('name');
      const reason = `Copia digitalizada fiel del original en papel, certificada por ${person.name} el ${now.toISOString()}; `
        + `${d.scannedPages} página(s) capturadas con ${d.device} a ${d.dpi} dpi (${d.colorMode}) por ${d.operator} el ${d.createdAt.toISOString()}.`;
      const sealed = await this.documentsIn(trx).sign(actor, d.documentId, d.searchableVersion, {
        signer: 'seal',
        reason,
        signerPost: 'Certificación de copia digitalizada',
        visibleStamp: true,
        purpose: 'Desatendido',
      });
      if (d.caseFileIuie) await this.caseFiles.addEntryIn(trx, actor, d.caseFileIuie, { kind: 'document', documentId: d.documentId, version: sealed.number });
      await repo.update(trx, id, { state: 'certified', certified_version: sealed.number, certified_by: actor.principalId, certified_at: now });
      await this.record(trx, actor, 'digitization.certify', id, { documentId: d.documentId, version: sealed.number, pages: d.scannedPages, caseFile: d.caseFileIuie, reason });
      return (await repo.findById(trx, id))!;
    });
  }

  /**
   * The OCR job. Idempotent: pages already recognised are kept, only pending ones are recognised, and the
   * searchable PDF is filed once (the digitization row is locked and its version checked in the filing transaction).
   */
  async runBatch(id: string, signal?: AbortSignal): Promise<void> {
    const d = await repo.findById(this.knex, id);
    if (!d || d.searchableVersion !== null || d.state === 'failed') return;
    if (!this.ocr) throw new Error('Este proceso no tiene motor de OCR; el trabajo ocr.batch corre en `legajo start` o `legajo worker`.');
    const ocr = this.ocr;
    if (d.state === 'queued') await repo.update(this.knex, id, { state: 'processing' });

    const original = await this.knex('document_versions').where({ document_id: d.documentId, number: d.originalVersion }).first('object_key');
    const scan = await this.scanPages(await readWhole(this.store, original.object_key));
    const pending = (await repo.pages(this.knex, id)).filter((p) => p.state === 'pending');
    // Set when the engine is closing or the job is cancelled: no runner takes another page.
    let stopped = false;
    const recognizeNext = async () => {
      for (let page = pending.shift(); page && !stopped; page = pending.shift()) {
        const image = scan[page.number - 1]!;
        try {
          const result = await ocr.recognize({ png: image.png, dpi: image.dpi ?? d.dpi }, { lang: d.lang, timeoutMs: this.settings.pageTimeoutMs, ...(signal ? { signal } : {}) });
          await repo.updatePage(this.knex, id, page.number, {
            state: result.confidence < this.settings.reviewBelow ? 'review' : 'done',
            confidence: result.confidence,
            text: result.text,
            words: JSON.stringify(result.words.map((w) => ({ text: w.text, bbox: w.bbox }))),
            error: null,
          });
        } catch (err) {
          // Shutting down: the page stays pending for the retry.
          if (!(err instanceof OcrError) || err.reason === 'aborted' || err.reason === 'closed') {
            stopped = true;
            throw err;
          }
          await repo.updatePage(this.knex, id, page.number, { state: 'failed', error: err.message });
        }
      }
    };
    // Every runner is let finish its page before the job ends, so none writes after a failed try.
    const runs = await Promise.allSettled(Array.from({ length: this.settings.concurrency }, recognizeNext));
    const failure = runs.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    await this.fileOutputs(d, scan);
  }

  private async fileOutputs(d: DigitizationRow, scan: ScanPage[]): Promise<void> {
    const pages = await repo.pages(this.knex, d.id);
    const document = await this.knex('documents').where({ id: d.documentId }).first('title');
    let pdf: Uint8Array;
    try {
      pdf = await searchablePdf(
        pages.map((p) => {
          const image = scan[p.number - 1]!;
          return {
            image: image.png,
            imageType: 'png' as const,
            widthPx: image.width,
            heightPx: image.height,
            dpi: image.dpi ?? d.dpi,
            words: (p.words ?? []).filter((w) => w.text.trim() !== ''),
          };
        }),
        { title: document.title, createdAt: d.createdAt, language: d.lang === 'eng' ? 'en' : 'es-CL' },
      );
    } catch (err) {
      // The same pages give the same refusal on every try: fail now with the reason.
      if (err instanceof SearchablePdfError) return this.fail(d.id, `No se pudo generar el PDF con texto: ${err.message}`);
      throw err;
    }
    const put = await this.store.put(Readable.from([Buffer.from(pdf)]));
    try {
      await this.knex.transaction(async (trx) => {
        const locked = await repo.findById(trx, d.id, true);
        if (!locked || locked.searchableVersion !== null) return;
        const agency = await trx('agencies').where({ id: d.agencyId }).first('code');
        const actor: Actor = { principalId: d.createdBy, agencyId: d.agencyId, agencyCode: agency.code, roles: [], requestId: null };
        const filed = (await this.documentsIn(trx).addVersion(actor, d.documentId, { put, fileName: `digitalizacion-${d.id}.pdf` })).body as Filed;
        await repo.update(trx, d.id, { state: 'done', searchable_version: filed.version.number, finished_at: this.clock.now() });
        await this.indexOcrText(trx, { ...locked, searchableVersion: filed.version.number });
      });
    } catch (err) {
      await discardIfUnreferenced(this.knex, this.store, put);
      throw err;
    }
  }

  /** Marks the job failed for good, with its reason, visible through GET. */
  async fail(id: string, reason: string): Promise<void> {
    await this.knex('digitizations').where({ id }).whereNotIn('state', ['done', 'certified']).update({ state: 'failed', error: reason.slice(0, 2000), finished_at: this.clock.now() });
  }

  /** The OCR text of the searchable version for search, a reviewer's correction taking the place of its page. */
  private async indexOcrText(trx: Db, d: DigitizationRow): Promise<void> {
    const version = await trx('document_versions').where({ document_id: d.documentId, number: d.searchableVersion }).first('id');
    const text = (await repo.pages(trx, d.id)).map((p) => p.correctedText ?? p.text ?? '').join('\n\f\n');
    await indexDocumentText(trx, { agencyId: d.agencyId, documentId: d.documentId, versionId: version.id, source: 'ocr', text });
  }

  private async require(db: Db, actor: Actor, id: string, forUpdate = false): Promise<DigitizationRow> {
    const d = await repo.find(db, actor.agencyId, id, forUpdate);
    if (!d) throw new NotFoundError('No existe una digitalización con ese id en su agencia.');
    return d;
  }

  private record(db: Db, actor: Actor, action: string, id: string, data: Record<string, unknown>) {
    return this.audit.append(db, { action, targetType: 'digitization', targetId: id, data, agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId });
  }
}

/** The ocr.batch handler: after the last try the digitization is marked failed with the reason. */
export function ocrBatchJob(digitizations: DigitizationService): JobHandler {
  return async (data, ctx) => {
    if (typeof data.digitizationId !== 'string') throw new Error('El trabajo ocr.batch no trae digitizationId.');
    try {
      await digitizations.runBatch(data.digitizationId, ctx.signal);
    } catch (err) {
      if (ctx.retryCount >= ctx.retryLimit) await digitizations.fail(data.digitizationId, (err as Error).message);
      throw err;
    }
  };
}
