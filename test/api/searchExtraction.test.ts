import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.ts';
import { extractPdfText, PDF_TEXT_LIMITS } from '../../server/features/search/extractPdfText.ts';
import { textExtractJob } from '../../server/features/search/textExtractionService.ts';
import type { JobQueue } from '../../server/queue/JobQueue.ts';
import { Queue } from '../../server/queue/Queue.ts';
import { validMetadata } from '../helpers/documentMetadata.ts';
import { eventually } from '../helpers/eventually.ts';
import { jobHandlers } from '../helpers/jobHandlers.ts';
import { pdftotext } from '../helpers/pdftotext.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';
import { renderTextPage } from '../ocr/renderFixture.ts';

/** A born-digital PDF: each string a line of Helvetica text (WinAnsi carries the Spanish accents and ñ). */
async function textPdf(pages: string[][]): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = pdf.addPage([595, 842]);
    lines.forEach((line, i) => page.drawText(line, { x: 50, y: 780 - 18 * i, size: 11, font }));
  }
  return Buffer.from(await pdf.save({ useObjectStreams: false }));
}

/** A scan saved as PDF: one page that is only an image of text, with no text layer. */
async function imageOnlyPdf(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const png = await pdf.embedPng(await renderTextPage(['Solicitud de permiso de edificación'], { dpi: 100 }));
  pdf.addPage([png.width, png.height]).drawImage(png, { x: 0, y: 0, width: png.width, height: png.height });
  return Buffer.from(await pdf.save({ useObjectStreams: false }));
}

const RESOLUCION = [
  ['Resolución exenta N° 1.234 que aprueba el convenio de colaboración', 'con la Municipalidad de Ñuñoa, representada por doña Inés Muñoz,', 'RUN 12.345.678-5.'],
  ['Vistos: la solicitud de la interesada y los antecedentes acompañados.'],
];

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('extractPdfText: límites', () => {
  it('reads every page of a text PDF, or only the first maxPages, and says how many there were', async () => {
    const pdf = await textPdf(RESOLUCION);
    const all = await extractPdfText(pdf);
    expect(all).toMatchObject({ kind: 'text', pagesRead: 2, pageCount: 2 });
    const first = await extractPdfText(pdf, { ...PDF_TEXT_LIMITS, maxPages: 1 });
    expect(first).toMatchObject({ kind: 'text', pagesRead: 1, pageCount: 2 });
    expect(first.kind === 'text' && first.text).not.toContain('Vistos');
  });

  it('gives a reason, never an exception, for garbage, an oversized file or a reading over its time bound', async () => {
    expect(await extractPdfText(Buffer.from('%PDF-1.7\nesto no es un PDF'))).toEqual({ kind: 'unreadable', reason: expect.stringMatching(/^el PDF está dañado/) });
    expect(await extractPdfText(Buffer.alloc(0))).toMatchObject({ kind: 'unreadable' });
    const pdf = await textPdf(RESOLUCION);
    expect(await extractPdfText(pdf, { ...PDF_TEXT_LIMITS, maxBytes: 100 })).toEqual({ kind: 'unreadable', reason: 'el archivo supera 100 bytes, el máximo que se lee' });
    expect(await extractPdfText(pdf, { ...PDF_TEXT_LIMITS, timeoutMs: 0 })).toEqual({ kind: 'unreadable', reason: 'la lectura del texto superó 0 s' });
  });
});

describe.each(BACKENDS)('texto de PDF nacidos digitales (%s)', (backend) => {
  const log = createLogger('silent');
  let t: TestApp;
  let queue: Queue;
  let a: TestAgency;
  let b: TestAgency;

  beforeAll(async () => {
    const jobs: JobQueue = { enqueue: (db, name, data, opts) => queue.enqueue(db, name, data, opts) };
    t = await startTestApp(backend, { jobs });
    queue = await Queue.start(t.db, log, { pollingIntervalSeconds: 0.5 });
    await queue.work(jobHandlers({ 'text.extract': textExtractJob(t.services.textExtraction) }));
    a = await t.agency('EXT001');
    b = await t.agency('EXT002');
  });
  afterAll(async () => {
    await queue?.stop(5_000);
    await t?.close();
  });

  async function file(agency: TestAgency, pdf: Buffer, title = 'Antecedentes varios') {
    const res = await t.request().post('/v1/documents').set(bearer(agency.token)).field('metadata', JSON.stringify(validMetadata({ MGDDE1_6: title }))).attach('file', pdf, 'archivo.pdf');
    expect(res.status, res.text).toBe(201);
    return { id: res.body.document.id as string, versionId: await versionId(res.body.document.id, 1) };
  }
  const versionId = async (documentId: string, number: number): Promise<string> => (await t.db.knex('document_versions').where({ document_id: documentId, number }).first('id')).id;
  const extraction = (versionId: string) => t.db.knex('text_extractions').where({ version_id: versionId }).first();
  const settled = (versionId: string) => eventually(async () => Boolean(await extraction(versionId)), `extracción de ${versionId}`);
  const search = (token: string, q: string) => t.request().get('/v1/search').query({ q }).set(bearer(token));

  itWithReferee('pdftotext', 'indexes the text of a filed PDF: "resolucion", "nunoa" and the RUN find it, and the text is what pdftotext reads', async () => {
    const pdf = await textPdf(RESOLUCION);
    const doc = await file(a, pdf);
    await settled(doc.versionId);
    expect(await extraction(doc.versionId)).toMatchObject({ state: 'extracted', reason: null, pages_read: 2 });

    for (const q of ['resolucion', 'nunoa', '123456785', 'Vistos antecedentes']) {
      const res = await search(a.token, q);
      expect(res.status, res.text).toBe(200);
      expect(res.body.items.map((h: { id: string }) => h.id), q).toEqual([doc.id]);
      expect(res.body.items[0].matchedIn, q).toEqual({ source: 'extracted', version: 1 });
    }
    expect((await search(a.token, 'resolucion')).body.items[0].snippet).toContain('<mark>Resolución</mark>');
    // The same words as poppler reads, whatever the line breaks.
    const indexed = await t.db.knex('document_texts').where({ version_id: doc.versionId, source: 'extracted' }).first('text');
    expect(squash(indexed.text)).toBe(squash(pdftotext(pdf)));
    // Another agency never finds it.
    expect((await search(b.token, 'resolucion')).body.items).toEqual([]);
  });

  it('indexes a new version too, keeping the earlier one searchable', async () => {
    const doc = await file(a, await textPdf([['Informe de pavimentación del camino rural a Pichidegua, tramo norte']]));
    await settled(doc.versionId);
    const res = await t.request().post(`/v1/documents/${doc.id}/versions`).set(bearer(a.token)).attach('file', await textPdf([['Informe de alcantarillado de Pichidegua, sector poniente y centro']]), 'v2.pdf');
    expect(res.status, res.text).toBe(201);
    await settled(await versionId(doc.id, 2));
    const hit = async (q: string) => (await search(a.token, q)).body.items.find((h: { id: string }) => h.id === doc.id)?.matchedIn;
    expect(await hit('alcantarillado')).toEqual({ source: 'extracted', version: 2 });
    expect(await hit('pavimentacion')).toEqual({ source: 'extracted', version: 1 });
  });

  it('a scanned image saved as PDF has no text: recorded as needing digitization, filed all the same', async () => {
    const doc = await file(a, await imageOnlyPdf());
    await settled(doc.versionId);
    expect(await extraction(doc.versionId)).toMatchObject({ state: 'needs-digitization', characters: 0, reason: expect.stringContaining('OCR') });
    expect(await t.db.knex('document_texts').where({ version_id: doc.versionId, source: 'extracted' })).toEqual([]);
    expect((await t.request().get(`/v1/documents/${doc.id}`).set(bearer(a.token))).status).toBe(200);
  });

  it('damaged bytes in the store: the extraction fails with the reason, the filing stays, a rerun gives the same outcome', async () => {
    const doc = await file(a, await textPdf([['Texto que se perderá cuando se dañen los bytes en el almacén']]));
    await settled(doc.versionId);
    const { object_key: key } = await t.db.knex('document_versions').where({ id: doc.versionId }).first('object_key');
    await writeFile(path.join(t.objectRoot, key), 'basura que no es un PDF');
    for (let run = 0; run < 2; run++) {
      expect(await t.services.textExtraction.run(doc.versionId)).toBe('failed');
      expect(await extraction(doc.versionId)).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^Sin texto extraíble: el PDF está dañado/) });
    }
    expect(await t.db.knex('text_extractions').where({ version_id: doc.versionId })).toHaveLength(1);
    expect((await t.request().get(`/v1/documents/${doc.id}`).set(bearer(a.token))).status).toBe(200);
  });

  it('a store that cannot be read is retried; after the last try the reason is recorded', async () => {
    const doc = await file(a, await textPdf([['Texto de un objeto que falta en el almacén de objetos del servicio']]));
    await settled(doc.versionId);
    const { object_key: key } = await t.db.knex('document_versions').where({ id: doc.versionId }).first('object_key');
    const { rm } = await import('node:fs/promises');
    await rm(path.join(t.objectRoot, key));
    const handler = textExtractJob(t.services.textExtraction);
    const ctx = { jobId: 'j', log, signal: new AbortController().signal, retryLimit: 3 };
    await expect(handler({ versionId: doc.versionId }, { ...ctx, retryCount: 0 })).rejects.toThrow();
    // Not the last try: the earlier outcome stands.
    expect(await extraction(doc.versionId)).toMatchObject({ state: 'extracted' });
    await expect(handler({ versionId: doc.versionId }, { ...ctx, retryCount: 3 })).rejects.toThrow();
    expect(await extraction(doc.versionId)).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^No se pudo extraer el texto: /) });
    await expect(handler({}, { ...ctx, retryCount: 0 })).rejects.toThrow(/versionId/);
  });

  it('retrying a done extraction writes the same single text and outcome', async () => {
    const doc = await file(a, await textPdf([['Decreto supremo de expropiación de terrenos en la comuna de Curacaví']]));
    await settled(doc.versionId);
    const before = await t.db.knex('document_texts').where({ version_id: doc.versionId }).orderBy('source').select('source', 'text');
    expect(await t.services.textExtraction.run(doc.versionId)).toBe('extracted');
    expect(await t.db.knex('document_texts').where({ version_id: doc.versionId }).orderBy('source').select('source', 'text')).toEqual(before);
    expect(await t.db.knex('text_extractions').where({ version_id: doc.versionId })).toHaveLength(1);
  });
});
