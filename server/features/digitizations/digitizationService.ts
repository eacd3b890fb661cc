import type { Knex } from 'knex';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { OcrEngine } from '../../../ocr-worker/engine/OcrEngine.ts';
import { OcrError } from '../../../ocr-worker/engine/OcrEngine.ts';
import { detectOrientation } from '../../../ocr-worker/engine/detectOrientation.ts';
import { loadScanPages, ScanRejectedError, type ScanPage, type ScanPages } from '../../../ocr-worker/engine/loadScanPages.ts';
import { INCORPORATION, MGDDE } from '../../../standards/chile/documentMetadata.ts';
import { searchablePdf, SearchablePdfError, type ScannedPage } from '../../../standards/pdf/searchablePdf.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../errors.ts';
import type { JobQueue } from '../../queue/JobQueue.ts';
import type { JobHandler } from '../../queue/Queue.ts';
import type { AuditService } from '../audit/auditService.ts';
import type { AuthorizedCopyService, IssuedCopy } from '../authorizedCopies/authorizedCopyService.ts';
import type { CaseFileService } from '../caseFiles/caseFileService.ts';
import { parseMetadata, type DocumentService, type Filed, type Upload } from '../documents/documentService.ts';
import { storeRangeSource } from '../documents/storeRangeSource.ts';
import { fingerprintOf, idempotent } from '../idempotency/idempotency.ts';
import { discardIfUnreferenced } from '../objects/objectGuard.ts';
import type { Actor } from '../principals/Actor.ts';
import { indexDocumentText } from '../search/indexDocumentText.ts';
import { renditionRepository as renditions, type RenditionRow } from './renditionRepository.ts';
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
  /** Pages read under reviewBelow are recognised again at the three other quarter turns to find their orientation. */
  detectOrientation: boolean;
}

/** 100 Mpx takes an A3 page at 600 dpi; 70 is the confidence under which Tesseract's Spanish output needs a reader. */
export const DEFAULT_DIGITIZATION_SETTINGS: DigitizationSettings = { reviewBelow: 70, pageTimeoutMs: 120_000, maxPixels: 100_000_000, maxPages: 500, concurrency: 2, detectOrientation: true };

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
    /** The authorized-copy service bound to a transaction, so certification issues its code in the same one. */
    private readonly copiesIn: (db: Knex) => AuthorizedCopyService,
  ) {}

  /** The stored scan opened lazily: headers now, each page's pixels when it is loaded. */
  private async openScan(key: string, size: number): Promise<ScanPages> {
    return loadScanPages(storeRangeSource(this.store, key, size), { maxPixels: this.settings.maxPixels, maxPages: this.settings.maxPages });
  }

  /**
   * Intake: the scan is checked by its content, filed untouched as version 1 of a new document (incorporated by
   * digitization), and the digitization, its pages and its OCR job are written in one transaction.
   */
  async intake(actor: Actor, upload: Upload, capture: CaptureInput, idempotencyKey?: string) {
    let pages: ScanPages['pages'];
    try {
      ({ pages } = await this.openScan(upload.put.key, upload.put.size));
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

  async get(actor: Actor, id: string): Promise<{ digitization: DigitizationRow; pages: PageRow[]; renditions: RenditionRow[] }> {
    const digitization = await this.require(this.knex, actor, id);
    return { digitization, pages: await repo.pages(this.knex, id), renditions: await renditions.ofDocument(this.knex, actor.agencyId, digitization.documentId) };
  }

  /** The agency's latest `limit` digitizations, newest first; naming a guarded document is recorded as its read (DS 10 art. 37). */
  async recent(actor: Actor, limit: number) {
    const rows = await repo.recent(this.knex, actor.agencyId, limit);
    const guarded = rows.filter((r) => r.guarded).map((r) => r.documentId);
    if (guarded.length) {
      await this.audit.append(this.knex, { action: 'digitization.list.read', targetType: 'document', targetId: guarded.length === 1 ? guarded[0]! : null, data: { documents: guarded }, agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId });
    }
    return rows;
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
  async certify(actor: Actor, id: string): Promise<{ digitization: DigitizationRow; authorizedCopy: IssuedCopy }> {
    return this.knex.transaction(async (trx) => {
      const d = await this.require(trx, actor, id, true);
      if (d.state === 'certified') throw new ConflictError(`La digitalización ya está certificada (versión ${d.certifiedVersion}).`);
      if (d.state !== 'done' || d.searchableVersion === null) throw new ConflictError(`No se puede certificar: el OCR no ha terminado (estado ${d.state}).`);
      const blocking = (await repo.pages(trx, id)).filter((p) => BLOCKING[p.state]);
      if (blocking.length) {
        throw new ConflictError(`No se puede certificar: ${blocking.map((p) => `página ${p.number} ${BLOCKING[p.state]}`).join('; ')}.`);
      }
      if ((d.confirmedPages ?? d.declaredPages) !== d.scannedPages) {
        throw new ConflictError(
          `No se puede certificar: se declararon ${d.declaredPages} páginas en papel y se digitalizaron ${d.scannedPages}. `
            + 'Digitalice las páginas que falten, o confirme el número de páginas (POST /v1/digitizations/{id}/page-count) si el conteo en papel estaba errado.',
        );
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
      await renditions.insert(trx, actor.agencyId, {
        documentId: d.documentId,
        sourceVersion: d.searchableVersion,
        derivedVersion: sealed.number,
        kind: 'certified-copy',
        createdBy: actor.principalId,
        details: { certifiedBy: person.name, certifiedAt: now.toISOString(), pages: d.scannedPages, capture: captureOf(d), reason },
      });
      const copy = await this.copiesIn(trx).issueForVersion(actor, d.documentId, sealed.number);
      await this.record(trx, actor, 'digitization.certify', id, { documentId: d.documentId, version: sealed.number, pages: d.scannedPages, caseFile: d.caseFileIuie, reason, authorizedCopy: copy.id });
      return { digitization: (await repo.findById(trx, id))!, authorizedCopy: copy };
    });
  }

  /**
   * A clerk's answer to a declared/scanned mismatch: the paper count was wrong. Only the scanned count can be
   * confirmed; pages missing from the scan are rescanned instead. The declared count is kept beside the confirmation.
   */
  async confirmPageCount(actor: Actor, id: string, input: { confirmedPages: number; reason: string }): Promise<DigitizationRow> {
    return this.knex.transaction(async (trx) => {
      const d = await this.require(trx, actor, id, true);
      if (d.state === 'certified') throw new ConflictError('La digitalización ya está certificada; su número de páginas no se puede cambiar.');
      if (d.confirmedPages === input.confirmedPages) return d;
      if (d.declaredPages === d.scannedPages) throw new ConflictError(`No hay discrepancia que resolver: se declararon y se digitalizaron ${d.scannedPages} páginas.`);
      if (input.confirmedPages !== d.scannedPages) {
        throw new ConflictError(
          `Se digitalizaron ${d.scannedPages} páginas; solo puede confirmarse ese número. Si el papel tiene ${input.confirmedPages} páginas, vuelva a digitalizar el documento completo.`,
        );
      }
      await repo.update(trx, id, { confirmed_pages: input.confirmedPages, pages_confirmation_reason: input.reason, pages_confirmed_by: actor.principalId, pages_confirmed_at: this.clock.now() });
      await this.record(trx, actor, 'digitization.page-count.confirm', id, { declaredPages: d.declaredPages, scannedPages: d.scannedPages, confirmedPages: input.confirmedPages, reason: input.reason });
      return (await repo.findById(trx, id))!;
    });
  }

  /**
   * Replaces a page a reviewer sent to rescan: the new image is filed as a version of its own (the replaced one stays
   * where it was), the page goes back to pending and a new OCR job files a new searchable version. Sending the image
   * the page already has changes nothing.
   */
  async rescanPage(actor: Actor, id: string, number: number, upload: Upload, idempotencyKey?: string) {
    let scan: ScanPages;
    try {
      scan = await this.openScan(upload.put.key, upload.put.size);
    } catch (err) {
      if (err instanceof ScanRejectedError) throw new ValidationError(err.message, [{ field: 'file', message: err.reason }]);
      throw err;
    }
    if (scan.pages.length !== 1) throw new ValidationError(`La nueva digitalización de una página debe tener una sola página; el archivo tiene ${scan.pages.length}.`, [{ field: 'file', message: 'una página' }]);
    const [image] = scan.pages;
    return this.knex.transaction((trx) =>
      idempotent(trx, { agencyId: actor.agencyId, key: idempotencyKey, route: `PUT /v1/digitizations/${id}/pages/${number}/scan`, fingerprint: fingerprintOf(upload.put.sha256) }, async () => {
        const d = await this.require(trx, actor, id, true);
        const page = await repo.page(trx, id, number, true);
        if (!page) throw new NotFoundError(`La digitalización no tiene página ${number}.`);
        const current = await trx('document_versions').where({ document_id: d.documentId, number: page.sourceVersion ?? d.originalVersion }).first('sha256');
        if (page.sourceVersion !== null && current.sha256 === upload.put.sha256) return { status: 200, body: page };
        if (d.state === 'certified') throw new ConflictError('La digitalización ya está certificada; sus páginas no se pueden reemplazar.');
        if (page.state !== 'rescan') throw new ConflictError(`La página ${number} no tiene una nueva digitalización solicitada (estado ${page.state}); pídala en su revisión.`);
        const filed = (await this.documentsIn(trx).addVersion(actor, d.documentId, upload)).body as Filed;
        await trx('ocr_page_rescans').insert({ digitization_id: id, number, previous_version: page.sourceVersion ?? d.originalVersion, new_version: filed.version.number, previous_text: page.text, created_by: actor.principalId });
        await repo.updatePage(trx, id, number, {
          state: 'pending',
          source_version: filed.version.number,
          rotation: 0,
          width: image!.width,
          height: image!.height,
          ...Object.fromEntries(['confidence', 'text', 'words', 'error', 'review_action', 'corrected_text', 'reviewed_by', 'reviewed_at'].map((c) => [c, null])),
        });
        await repo.update(trx, id, { state: 'processing', finished_at: null, error: null });
        // A key of its own: the batch's first job may still be kept by the queue as completed.
        await this.jobs.enqueue(trx, 'ocr.batch', { digitizationId: id }, { singletonKey: `${id}:${filed.version.number}` });
        await this.record(trx, actor, 'digitization.page.rescan', id, { page: number, version: filed.version.number, sha256: upload.put.sha256 });
        return { status: 202, body: (await repo.page(trx, id, number))! };
      }),
    );
  }

  /**
   * The OCR job. Idempotent: pages already recognised are kept, only pending ones are recognised, and the
   * searchable PDF is filed once (the digitization row is locked and its version checked in the filing transaction).
   */
  async runBatch(id: string, signal?: AbortSignal): Promise<void> {
    const d = await repo.findById(this.knex, id);
    // done: outputs filed for the pages as they are; a rescan puts the digitization back to processing.
    if (!d || d.state === 'done' || d.state === 'certified' || d.state === 'failed') return;
    if (!this.ocr) throw new Error('Este proceso no tiene motor de OCR; el trabajo ocr.batch corre en `legajo start` o `legajo worker`.');
    const ocr = this.ocr;
    if (d.state === 'queued') await repo.update(this.knex, id, { state: 'processing' });

    const scan = this.pageImages(d);
    const pending = (await repo.pages(this.knex, id)).filter((p) => p.state === 'pending');
    // Set when the engine is closing or the job is cancelled: no runner takes another page.
    let stopped = false;
    const recognizeNext = async () => {
      for (let page = pending.shift(); page && !stopped; page = pending.shift()) {
        try {
          // One page decoded at a time per runner: memory stays that of the pages in flight, whatever the batch size.
          const opts = { lang: d.lang, timeoutMs: this.settings.pageTimeoutMs, ...(signal ? { signal } : {}) };
          let image = await scan(page);
          let result = await ocr.recognize({ png: image.png, dpi: image.dpi ?? d.dpi }, opts);
          let rotation = page.rotation;
          // Only a poorly read page pays for the orientation search (three recognitions at half size).
          if (this.settings.detectOrientation && result.confidence < this.settings.reviewBelow && rotation === 0) {
            rotation = await detectOrientation(ocr, { png: image.png, dpi: image.dpi ?? d.dpi }, result.confidence, opts);
            if (rotation !== 0) {
              image = await scan({ ...page, rotation });
              result = await ocr.recognize({ png: image.png, dpi: image.dpi ?? d.dpi }, opts);
            }
          }
          await repo.updatePage(this.knex, id, page.number, {
            rotation,
            state: result.confidence < this.settings.reviewBelow ? 'review' : 'done',
            confidence: result.confidence,
            text: result.text,
            words: JSON.stringify(result.words.map((w) => ({ text: w.text, bbox: w.bbox }))),
            error: null,
          });
        } catch (err) {
          // A damaged page or one Tesseract could not read fails alone; shutting down leaves the page pending for the retry.
          const pageFault = err instanceof ScanRejectedError || (err instanceof OcrError && err.reason !== 'aborted' && err.reason !== 'closed');
          if (!pageFault) {
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

  /**
   * Loads a page's image from where it lies: page `number` of the original scan, or the version a rescan filed. Each
   * scan file is opened once (headers only); pages are decoded one by one.
   */
  private pageImages(d: DigitizationRow): (page: Pick<PageRow, 'number' | 'sourceVersion' | 'rotation'>) => Promise<ScanPage> {
    const opened = new Map<number, Promise<ScanPages>>();
    const open = async (version: number) => {
      const row = await this.knex('document_versions').where({ document_id: d.documentId, number: version }).first('object_key', 'size');
      return this.openScan(row.object_key, Number(row.size));
    };
    return async (page) => {
      const version = page.sourceVersion ?? d.originalVersion;
      if (!opened.has(version)) opened.set(version, open(version));
      return (await opened.get(version)!).load(page.sourceVersion === null ? page.number - 1 : 0, page.rotation);
    };
  }

  private async fileOutputs(d: DigitizationRow, scan: (page: PageRow) => Promise<ScanPage>): Promise<void> {
    const pages = await repo.pages(this.knex, d.id);
    const document = await this.knex('documents').where({ id: d.documentId }).first('title');
    let pdf: Uint8Array;
    try {
      // Pages are decoded one after another and only their compressed PNG is kept for the PDF.
      const scanned: ScannedPage[] = [];
      for (const p of pages) {
        const image = await scan(p);
        scanned.push({
          image: image.png,
          imageType: 'png',
          widthPx: image.width,
          heightPx: image.height,
          dpi: image.dpi ?? d.dpi,
          words: (p.words ?? []).filter((w) => w.text.trim() !== ''),
        });
      }
      pdf = await searchablePdf(scanned, { title: document.title, createdAt: d.createdAt, language: d.lang === 'eng' ? 'en' : 'es-CL' });
    } catch (err) {
      // The same pages give the same refusal on every try: fail now with the reason.
      if (err instanceof SearchablePdfError || err instanceof ScanRejectedError) return this.fail(d.id, `No se pudo generar el PDF con texto: ${err.message}`);
      throw err;
    }
    // A view, not a copy: the PDF holds every page and is as large as the scan.
    const put = await this.store.put(Readable.from([Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength)]));
    try {
      await this.knex.transaction(async (trx) => {
        const locked = await repo.findById(trx, d.id, true);
        if (!locked || locked.state !== 'processing') return;
        const agency = await trx('agencies').where({ id: d.agencyId }).first('code');
        const actor: Actor = { principalId: d.createdBy, agencyId: d.agencyId, agencyCode: agency.code, roles: [], requestId: null };
        const filed = (await this.documentsIn(trx).addVersion(actor, d.documentId, { put, fileName: `digitalizacion-${d.id}.pdf` })).body as Filed;
        await repo.update(trx, d.id, { state: 'done', searchable_version: filed.version.number, finished_at: this.clock.now() });
        const rescanned = pages.filter((p) => p.sourceVersion !== null).map((p) => ({ page: p.number, version: p.sourceVersion }));
        await renditions.insert(trx, d.agencyId, {
          documentId: d.documentId,
          sourceVersion: d.originalVersion,
          derivedVersion: filed.version.number,
          kind: 'searchable-pdf',
          createdBy: d.createdBy,
          details: { capture: captureOf(d), pages: pages.length, lang: d.lang, ...(rescanned.length ? { rescannedPages: rescanned } : {}) },
        });
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

/** The capture metadata recorded with each rendition (DS 10 art. 25). */
function captureOf(d: DigitizationRow) {
  return { device: d.device, dpi: d.dpi, colorMode: d.colorMode, operator: d.operator, declaredPages: d.declaredPages, scannedPages: d.scannedPages, capturedAt: d.createdAt.toISOString() };
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
