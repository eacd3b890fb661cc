import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcrError, type OcrEngine, type OcrResult } from '../../ocr-worker/engine/OcrEngine.ts';
import { createTesseractEngine } from '../../ocr-worker/engine/tesseractEngine.ts';
import { DEFAULT_DIGITIZATION_SETTINGS, ocrBatchJob } from '../../server/features/digitizations/digitizationService.ts';
import { lazyOcrEngine } from '../../server/features/digitizations/lazyOcrEngine.ts';
import { createLogger } from '../../server/logger.ts';
import type { JobQueue } from '../../server/queue/JobQueue.ts';
import { Queue } from '../../server/queue/Queue.ts';
import { checkAuthMatrix } from '../helpers/authMatrix.ts';
import { caseFileClient } from '../helpers/caseFiles.ts';
import { pdftotext } from '../helpers/pdftotext.ts';
import { bearer, startTestApp, type TestAgency, type TestApp } from '../helpers/testApp.ts';
import { BACKENDS } from '../helpers/testDatabase.ts';
import { multiPageTiff, pngDeclaring, renderTextPage } from '../ocr/renderFixture.ts';
import { greySamples, scanPdf, upPredicted } from '../ocr/scanPdf.ts';
import { eventually } from '../helpers/eventually.ts';
import { jobHandlers } from '../helpers/jobHandlers.ts';

const capture = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ device: 'Fujitsu fi-7160', dpi: 100, colorMode: 'gris', operator: 'Ana Rojas', declaredPages: 1, title: 'Solicitud presentada en papel', ...overrides });

/**
 * Stands in for Tesseract where the test is about the workflow, not the recognition: each page gets the confidence
 * (or the error) the test queued for it, in call order; 95 when none is queued.
 */
function scriptedOcr(script: Array<number | Error>): OcrEngine {
  let call = 0;
  return {
    async recognize(page) {
      call += 1;
      const step = script.shift() ?? 95;
      if (step instanceof Error) throw step;
      const result: OcrResult = {
        text: `Texto reconocido ${call}`,
        confidence: step,
        words: [
          { text: 'Texto', confidence: step, bbox: { x0: 50, y0: 40, x1: 200, y1: 80 } },
          { text: `reconocido${call}`, confidence: step, bbox: { x0: 210, y0: 40, x1: 420, y1: 80 } },
        ],
        width: page.png.readUInt32BE(16),
        height: page.png.readUInt32BE(20),
      };
      return result;
    },
    async close() {},
  };
}

describe.each(BACKENDS)('digitalización (%s)', (backend) => {
  let t: TestApp;
  let a: TestAgency;
  let b: TestAgency;
  const enqueued: Array<{ name: string; data: Record<string, unknown> }> = [];
  const script: Array<number | Error> = [];
  const jobs: JobQueue = {
    async enqueue(_db, name, data) {
      enqueued.push({ name, data });
      return null;
    },
  };
  let page: Buffer;

  beforeAll(async () => {
    const engine = scriptedOcr(script);
    // One page at a time, so the scripted results reach the pages in order; no orientation search, which would
    // consume scripted results of its own.
    t = await startTestApp(backend, { jobs, ocr: engine, digitization: { ...DEFAULT_DIGITIZATION_SETTINGS, concurrency: 1, detectOrientation: false } });
    a = await t.agency('DIG001');
    b = await t.agency('DIG002');
    page = await renderTextPage(['Solicitud de certificado'], { dpi: 100 });
  });
  afterAll(async () => {
    await t?.close();
  });

  const submit = (token: string, file: Buffer, cap: string | null = capture(), key?: string) => {
    const req = t.request().post('/v1/digitizations').set(bearer(token));
    if (key) req.set('Idempotency-Key', key);
    if (cap !== null) req.field('capture', cap);
    return req.attach('file', file, 'escaneo.png');
  };
  const get = (token: string, id: string) => t.request().get(`/v1/digitizations/${id}`).set(bearer(token));
  const count = async (table: string) => Number((await t.db.knex(table).count<{ c: string }>('* as c').first())?.c ?? 0);

  it('rechaza escaneos vacíos, texto, bombas y datos de captura inválidos sin guardar nada', async () => {
    const before = { keys: await t.objectKeys(), documents: await count('documents'), digitizations: await count('digitizations'), jobs: enqueued.length };
    const cases: Array<[string, Buffer, string | null, number, RegExp]> = [
      ['0 bytes', Buffer.alloc(0), capture(), 422, /vacío/],
      ['texto', Buffer.from('esto no es una imagen\n'), capture(), 422, /no es una imagen admitida/],
      ['bomba', pngDeclaring(60_000, 60_000), capture(), 422, /píxeles/],
      ['JSON roto', page, '{"device":', 422, /no es JSON válido/],
      ['dpi absurdo', page, capture({ dpi: 5000 }), 422, /error/],
      ['sin captura', page, null, 422, /capture/],
      ['idioma desconocido', page, capture({ lang: 'fra' }), 422, /error/],
      ['PDF nacido digital', scanPdf([{ image: null, size: [612, 792] }]), capture(), 422, /^No es una digitalización: el PDF no contiene imágenes; regístrelo como documento/],
      ['PDF con CCITT', scanPdf([{ image: { dict: '/Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode', data: new Uint8Array(8) }, size: [612, 792] }]), capture(), 422, /codificada en CCITT G3\/G4 \(fax\)/],
    ];
    for (const [label, file, cap, status, detail] of cases) {
      const res = await submit(a.token, file, cap);
      expect(res.status, `${label}: ${res.text}`).toBe(status);
      expect(res.body.detail, label).toMatch(detail);
    }
    const bomb = await submit(a.token, pngDeclaring(60_000, 60_000));
    expect(bomb.body.errors).toEqual([{ field: 'file', message: 'too-large' }]);
    const dpi = await submit(a.token, page, capture({ dpi: 5000 }));
    expect(dpi.body.errors[0].field).toBe('capture.dpi');
    expect(await t.objectKeys()).toEqual(before.keys);
    expect(await count('documents')).toBe(before.documents);
    expect(await count('digitizations')).toBe(before.digitizations);
    expect(enqueued.length).toBe(before.jobs);
  });

  it('guarda el escaneo original intacto como versión de digitalización y encola su OCR una vez (Idempotency-Key)', async () => {
    const tiff = await multiPageTiff([page, await renderTextPage(['Segunda hoja'], { dpi: 100 })]);
    const res = await submit(a.token, tiff, capture({ declaredPages: 2 }), 'digit-key-0001');
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ state: 'queued', pages: 2 });
    expect(res.headers.location).toBe(`/v1/digitizations/${res.body.id}`);
    const again = await submit(a.token, tiff, capture({ declaredPages: 2 }), 'digit-key-0001');
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(res.body.id);
    expect(enqueued.filter((j) => j.data.digitizationId === res.body.id)).toEqual([{ name: 'ocr.batch', data: { digitizationId: res.body.id } }]);

    const status = await get(a.token, res.body.id);
    expect(status.body).toMatchObject({ state: 'queued', declaredPages: 2, scannedPages: 2, searchableVersion: null, capture: { device: 'Fujitsu fi-7160', dpi: 100, colorMode: 'gris', lang: 'spa' } });
    expect(status.body.pages.map((p: { state: string }) => p.state)).toEqual(['pending', 'pending']);

    const doc = await t.request().get(`/v1/documents/${res.body.documentId}`).set(bearer(a.token));
    expect(doc.body.metadata).toMatchObject({ MGDDE5_3: 3, MGDDE1_7: expect.stringMatching(/^850x\d+$/), MGDDE2_3: 'image/tiff' });
    expect(doc.body.metadata.MGDDE4_3).toBeTruthy();
    const original = await t.request().get(`/v1/documents/${res.body.documentId}/versions/1/content`).set(bearer(a.token)).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(Buffer.compare(original.body as Buffer, tiff)).toBe(0);
  });

  it('página con baja confianza → revisión → corrección → certificación sellada en el expediente', async () => {
    const clerk = await a.keyWithRoles(['clerk']);
    const iuie = await caseFileClient(t, a.token).open();
    const tiff = await multiPageTiff([page, page]);
    const res = await submit(clerk.token, tiff, capture({ declaredPages: 2, caseFile: iuie }));
    expect(res.status, res.text).toBe(202);
    script.push(40, 92);
    await t.services.digitizations.runBatch(res.body.id);

    const done = await get(a.token, res.body.id);
    expect(done.body).toMatchObject({ state: 'done', searchableVersion: 2 });
    expect(done.body.pages).toMatchObject([
      { number: 1, state: 'review', confidence: 40 },
      { number: 2, state: 'done', confidence: 92 },
    ]);
    const versions = await t.request().get(`/v1/documents/${res.body.documentId}/versions`).set(bearer(a.token));
    expect(versions.body.items.map((v: { mediaType: string }) => v.mediaType)).toEqual(['image/tiff', 'application/pdf']);

    // A second run (a retried job) recognises nothing again and files nothing twice.
    await t.services.digitizations.runBatch(res.body.id);
    expect((await t.request().get(`/v1/documents/${res.body.documentId}/versions`).set(bearer(a.token))).body.items).toHaveLength(2);

    const refused = await t.request().post(`/v1/digitizations/${res.body.id}/certify`).set(bearer(clerk.token));
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/página 1 pendiente de revisión/);

    const queue = await t.request().get('/v1/review-queue').set(bearer(clerk.token));
    expect(queue.status).toBe(200);
    expect(queue.body.items).toContainEqual(expect.objectContaining({ digitizationId: res.body.id, number: 1, state: 'review', text: 'Texto reconocido 1' }));
    expect(await t.db.knex('audit_events').where({ action: 'digitization.review-queue.read' }).first()).toBeUndefined();
    const restricted = await submit(clerk.token, page, capture({ accessLevel: 2 }));
    script.push(20);
    await t.services.digitizations.runBatch(restricted.body.id);
    const guardedRead = await t.request().get('/v1/review-queue').set(bearer(clerk.token));
    expect(guardedRead.body.items).toContainEqual(expect.objectContaining({ digitizationId: restricted.body.id }));
    const read = await t.db.knex('audit_events').where({ action: 'digitization.review-queue.read' }).first();
    expect(read.data.documents).toEqual([restricted.body.documentId]);
    const foreignQueue = await t.request().get('/v1/review-queue').set(bearer(b.token));
    expect(foreignQueue.body.items).toEqual([]);

    const noText = await t.request().post(`/v1/digitizations/${res.body.id}/pages/1/review`).set(bearer(clerk.token)).send({ action: 'correct' });
    expect(noText.status).toBe(422);
    const corrected = await t.request().post(`/v1/digitizations/${res.body.id}/pages/1/review`).set(bearer(clerk.token)).send({ action: 'correct', text: 'Solicitud de certificado de residencia' });
    expect(corrected.status, corrected.text).toBe(200);
    expect(corrected.body).toMatchObject({ number: 1, state: 'done', reviewAction: 'correct' });
    const row = await t.db.knex('ocr_pages').where({ digitization_id: res.body.id, number: 1 }).first();
    expect(row).toMatchObject({ text: 'Texto reconocido 1', corrected_text: 'Solicitud de certificado de residencia' });
    const twice = await t.request().post(`/v1/digitizations/${res.body.id}/pages/1/review`).set(bearer(clerk.token)).send({ action: 'accept' });
    expect(twice.status).toBe(409);

    const found = await t.request().get('/v1/search').query({ q: 'residencia' }).set(bearer(a.token));
    expect(found.body.items.map((h: { id: string }) => h.id)).toContain(res.body.documentId);

    const certified = await t.request().post(`/v1/digitizations/${res.body.id}/certify`).set(bearer(clerk.token));
    expect(certified.status, certified.text).toBe(200);
    expect(certified.body).toMatchObject({ state: 'certified', certifiedVersion: 3 });
    const sealed = await t.request().get(`/v1/documents/${res.body.documentId}/versions/3`).set(bearer(a.token));
    expect(sealed.body).toMatchObject({ status: 'final', origin: 'signature', mediaType: 'application/pdf' });
    const signatures = await t.request().get(`/v1/documents/${res.body.documentId}/versions/3/signatures`).set(bearer(a.token));
    expect(signatures.body.items ?? signatures.body).toHaveLength(1);
    const entries = await t.db.knex('case_file_entries').count<{ c: string }>('* as c').first();
    expect(Number(entries?.c)).toBeGreaterThan(0);
    const event = await t.db.knex('audit_events').where({ action: 'digitization.certify', target_id: res.body.id }).first();
    expect(event.data.reason).toMatch(/Copia digitalizada fiel.*2 página\(s\).*Fujitsu fi-7160 a 100 dpi \(gris\) por Ana Rojas/);
    expect((await t.request().post(`/v1/digitizations/${res.body.id}/certify`).set(bearer(clerk.token))).status).toBe(409);

    // The certified version's authorized-copy code, shown once, verifies; the digitization never shows it again.
    const copy = certified.body.authorizedCopy;
    expect(copy.code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
    expect(event.data.authorizedCopy).toBe(copy.id);
    const verified = await t.request().get(`/verify/${copy.code}`).set('Accept', 'application/json');
    expect(verified.status, verified.text).toBe(200);
    expect(JSON.stringify((await get(a.token, res.body.id)).body)).not.toContain(copy.code);

    // Renditions: the searchable PDF derives from the scan, the certified copy from the searchable PDF, each with the capture.
    const renditions = (await get(a.token, res.body.id)).body.renditions;
    expect(renditions).toMatchObject([
      { kind: 'searchable-pdf', sourceVersion: 1, derivedVersion: 2, details: { pages: 2, lang: 'spa', capture: { device: 'Fujitsu fi-7160', dpi: 100, colorMode: 'gris', operator: 'Ana Rojas', declaredPages: 2 } } },
      { kind: 'certified-copy', sourceVersion: 2, derivedVersion: 3, details: { pages: 2, capture: { device: 'Fujitsu fi-7160' } } },
    ]);
  });

  it('una página que falla queda registrada sin detener el lote; certificar se rechaza si las páginas declaradas no coinciden', async () => {
    const res = await submit(a.token, await multiPageTiff([page, page]), capture({ declaredPages: 3 }));
    script.push(new OcrError('timeout', 'El OCR de la página superó el tiempo máximo de 1 ms y se canceló.'), 95);
    await t.services.digitizations.runBatch(res.body.id);
    const done = await get(a.token, res.body.id);
    expect(done.body.state).toBe('done');
    expect(done.body.pages).toMatchObject([
      { number: 1, state: 'failed', error: expect.stringMatching(/tiempo máximo/) },
      { number: 2, state: 'done' },
    ]);
    const clerk = await a.keyWithRoles(['records_officer']);
    expect((await t.request().post(`/v1/digitizations/${res.body.id}/certify`).set(bearer(clerk.token))).body.detail).toMatch(/página 1 OCR fallido/);
    await t.request().post(`/v1/digitizations/${res.body.id}/pages/1/review`).set(bearer(clerk.token)).send({ action: 'accept' });
    const refused = await t.request().post(`/v1/digitizations/${res.body.id}/certify`).set(bearer(clerk.token));
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/se declararon 3 páginas en papel y se digitalizaron 2.*confirme el número de páginas/);

    // The clerk can only confirm the scanned count (the paper count was wrong); otherwise rescan.
    const confirm = (body: Record<string, unknown>) => t.request().post(`/v1/digitizations/${res.body.id}/page-count`).set(bearer(clerk.token)).send(body);
    const wrong = await confirm({ confirmedPages: 3, reason: 'Recontadas las fojas' });
    expect(wrong.status).toBe(409);
    expect(wrong.body.detail).toMatch(/Se digitalizaron 2 páginas; solo puede confirmarse ese número.*vuelva a digitalizar/);
    expect((await confirm({ confirmedPages: 2 })).status).toBe(422);
    const confirmed = await confirm({ confirmedPages: 2, reason: 'La carátula se contó dos veces' });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body).toMatchObject({ declaredPages: 3, scannedPages: 2, confirmedPages: 2 });
    expect((await confirm({ confirmedPages: 2, reason: 'La carátula se contó dos veces' })).status).toBe(200);
    const audited = await t.db.knex('audit_events').where({ action: 'digitization.page-count.confirm', target_id: res.body.id });
    expect(audited).toHaveLength(1);
    expect(audited[0].data).toMatchObject({ declaredPages: 3, scannedPages: 2, confirmedPages: 2, reason: 'La carátula se contó dos veces' });
    const certified = await t.request().post(`/v1/digitizations/${res.body.id}/certify`).set(bearer(clerk.token));
    expect(certified.status, certified.text).toBe(200);
    expect((await confirm({ confirmedPages: 2, reason: 'otra vez' })).status).toBe(409);

    const matching = await submit(a.token, page, capture());
    const none = await t.request().post(`/v1/digitizations/${matching.body.id}/page-count`).set(bearer(clerk.token)).send({ confirmedPages: 1, reason: 'Sin diferencia' });
    expect(none.status).toBe(409);
    expect(none.body.detail).toMatch(/No hay discrepancia/);
  });

  it('una nueva digitalización pedida en revisión bloquea la certificación; el OCR aún en cola también', async () => {
    const res = await submit(a.token, page, capture());
    const officer = await a.keyWithRoles(['records_officer']);
    const early = await t.request().post(`/v1/digitizations/${res.body.id}/certify`).set(bearer(officer.token));
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/el OCR no ha terminado \(estado queued\)/);
    script.push(10);
    await t.services.digitizations.runBatch(res.body.id);
    const scanPage = (n: number, file: Buffer, key?: string) => {
      const req = t.request().post(`/v1/digitizations/${res.body.id}/pages/${n}/scan`).set(bearer(officer.token));
      if (key) req.set('Idempotency-Key', key);
      return req.attach('file', file, 'pagina.png');
    };
    const rescan = await renderTextPage(['Solicitud de certificado, digitalizada de nuevo'], { dpi: 100 });
    const early2 = await scanPage(1, rescan);
    expect(early2.status).toBe(409);
    expect(early2.body.detail).toMatch(/no tiene una nueva digitalización solicitada \(estado review\)/);
    await t.request().post(`/v1/digitizations/${res.body.id}/pages/1/review`).set(bearer(officer.token)).send({ action: 'rescan' });
    const refused = await t.request().post(`/v1/digitizations/${res.body.id}/certify`).set(bearer(officer.token));
    expect(refused.body.detail).toMatch(/página 1 con nueva digitalización solicitada/);

    // The replacement: one page only, stored as a version of its own, the page back to pending with a new OCR job.
    const versionsBefore = await count('document_versions');
    const two = await scanPage(1, await multiPageTiff([rescan, rescan]));
    expect(two.status).toBe(422);
    expect(two.body.detail).toMatch(/una sola página; el archivo tiene 2/);
    expect((await scanPage(2, rescan)).status).toBe(404);
    expect(await count('document_versions')).toBe(versionsBefore);
    const jobsBefore = enqueued.length;
    const replaced = await scanPage(1, rescan, 'rescan-key-0001');
    expect(replaced.status, replaced.text).toBe(202);
    expect(replaced.body).toMatchObject({ number: 1, state: 'pending', confidence: null, reviewAction: null });
    expect(enqueued.slice(jobsBefore)).toEqual([{ name: 'ocr.batch', data: { digitizationId: res.body.id } }]);
    expect((await scanPage(1, rescan, 'rescan-key-0001')).headers['idempotent-replayed']).toBe('true');
    const same = await scanPage(1, rescan);
    expect(same.status).toBe(200);
    expect(enqueued.length).toBe(jobsBefore + 1);
    const processing = await get(officer.token, res.body.id);
    expect(processing.body).toMatchObject({ state: 'processing', searchableVersion: 2 });
    const history = await t.db.knex('ocr_page_rescans').where({ digitization_id: res.body.id });
    expect(history).toMatchObject([{ number: 1, previous_version: 1, new_version: 3 }]);
    expect(history[0].previous_text).toMatch(/^Texto reconocido/);

    script.push(96);
    await t.services.digitizations.runBatch(res.body.id);
    await t.services.digitizations.runBatch(res.body.id);
    const redone = await get(officer.token, res.body.id);
    expect(redone.body).toMatchObject({ state: 'done', searchableVersion: 4, pages: [{ number: 1, state: 'done', confidence: 96 }] });
    const versions = await t.request().get(`/v1/documents/${res.body.documentId}/versions`).set(bearer(officer.token));
    expect(versions.body.items.map((v: { mediaType: string }) => v.mediaType)).toEqual(['image/png', 'application/pdf', 'image/png', 'application/pdf']);
    expect(redone.body.renditions).toMatchObject([
      { kind: 'searchable-pdf', sourceVersion: 1, derivedVersion: 2 },
      { kind: 'searchable-pdf', sourceVersion: 1, derivedVersion: 4, details: { rescannedPages: [{ page: 1, version: 3 }] } },
    ]);
    // The new searchable PDF shows the new image: its page is as tall as the rescan.
    const pdf = await t.request().get(`/v1/documents/${res.body.documentId}/versions/4/content`).set(bearer(officer.token)).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const [{ height }] = [(await sharp(rescan).metadata())];
    expect((await PDFDocument.load(pdf.body as Buffer)).getPage(0).getHeight()).toBeCloseTo((height! * 72) / 100, 1);
    expect((await t.request().post(`/v1/digitizations/${res.body.id}/certify`).set(bearer(officer.token))).status).toBe(200);
    expect((await scanPage(1, page)).status).toBe(409);
  });

  it('un lote interrumpido se reanuda en las páginas pendientes y archiva sus salidas una sola vez', async () => {
    const res = await submit(a.token, await multiPageTiff([page, page, page]), capture({ declaredPages: 3 }));
    const closed = new OcrError('closed', 'El motor de OCR se cerró antes de terminar la página.');
    script.push(91, closed, closed);
    await expect(t.services.digitizations.runBatch(res.body.id)).rejects.toThrow(/se cerró/);
    const halfway = await get(a.token, res.body.id);
    expect(halfway.body.state).toBe('processing');
    expect(halfway.body.pages.map((p: { state: string }) => p.state)).toEqual(['done', 'pending', 'pending']);

    // Whatever the interrupted try did not reach is dropped: the retry gets a working engine.
    script.splice(0, script.length, 93, 94);
    await t.services.digitizations.runBatch(res.body.id);
    const done = await get(a.token, res.body.id);
    expect(done.body).toMatchObject({ state: 'done', searchableVersion: 2 });
    expect(done.body.pages.map((p: { confidence: number }) => p.confidence)).toEqual([91, 93, 94]);
    const outputs = await t.db.knex('document_versions').where({ document_id: res.body.documentId, media_type: 'application/pdf' });
    expect(outputs).toHaveLength(1);
  });

  it('tras el último intento el trabajo deja la digitalización fallida con su motivo', async () => {
    const res = await submit(a.token, await renderTextPage(['Hoja cuyo original se perdió'], { dpi: 100 }), capture());
    const original = await t.db.knex('document_versions').where({ document_id: res.body.documentId }).first('object_key');
    await t.store.delete(original.object_key);
    const job = ocrBatchJob(t.services.digitizations);
    const ctx = { jobId: 'j', log: createLogger('silent'), signal: new AbortController().signal, retryLimit: 3 };
    await expect(job({ digitizationId: res.body.id }, { ...ctx, retryCount: 0 })).rejects.toThrow();
    expect((await get(a.token, res.body.id)).body.state).toBe('processing');
    await expect(job({ digitizationId: res.body.id }, { ...ctx, retryCount: 3 })).rejects.toThrow();
    const failed = await get(a.token, res.body.id);
    expect(failed.body.state).toBe('failed');
    expect(failed.body.error).toBeTruthy();
  });

  it('acepta un PDF de imágenes de escáner: cuenta sus páginas, deduce su resolución y produce el PDF con texto', async () => {
    const grey = await greySamples(page);
    const image = { dict: `/Width ${grey.width} /Height ${grey.height} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /DecodeParms <</Predictor 12 /Colors 1 /BitsPerComponent 8 /Columns ${grey.width}>>`, data: upPredicted(grey.data, grey.width) };
    // 100 dpi: the page is as many points as pixels × 72 / 100.
    const size: [number, number] = [(grey.width * 72) / 100, (grey.height * 72) / 100];
    const pdf = scanPdf([{ image, size }, { image, size }]);
    const res = await submit(a.token, pdf, capture({ declaredPages: 2, dpi: 300 }));
    expect(res.status, res.text).toBe(202);
    expect(res.body.pages).toBe(2);
    const doc = await t.request().get(`/v1/documents/${res.body.documentId}`).set(bearer(a.token));
    expect(doc.body.metadata).toMatchObject({ MGDDE2_3: 'application/pdf', MGDDE1_7: `${grey.width}x${grey.height}` });
    await t.services.digitizations.runBatch(res.body.id);
    const done = await get(a.token, res.body.id);
    expect(done.body).toMatchObject({ state: 'done', searchableVersion: 2 });
    const searchable = await t.request().get(`/v1/documents/${res.body.documentId}/versions/2/content`).set(bearer(a.token)).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const text = pdftotext(searchable.body as Buffer);
    expect(text).toMatch(/Texto reconocido\d+[\s\S]*\f[\s\S]*Texto reconocido\d+/);
    // The page keeps the size the scanner gave it: the image's own resolution (100 dpi), not the declared 300.
    const sizes = (await PDFDocument.load(searchable.body as Buffer)).getPages().map((p) => [p.getWidth(), p.getHeight()]);
    expect(sizes).toEqual([size, size]);
  });

  it('matriz de autorización de las rutas de digitalización', async () => {
    const res = await submit(a.token, page, capture());
    const id = res.body.id as string;
    await checkAuthMatrix({ app: t, victim: a, other: b, secrets: [id, res.body.documentId] }, [
      { method: 'post', path: '/v1/digitizations', roles: ['system', 'clerk', 'records_officer'], scope: 'collection' },
      { method: 'get', path: `/v1/digitizations/${id}`, roles: [], scope: 'resource' },
      { method: 'get', path: '/v1/review-queue', roles: ['clerk', 'records_officer'], scope: 'collection' },
      { method: 'post', path: `/v1/digitizations/${id}/pages/1/review`, body: { action: 'accept' }, roles: ['clerk', 'records_officer'], scope: 'resource' },
      { method: 'post', path: `/v1/digitizations/${id}/certify`, roles: ['clerk', 'records_officer'], scope: 'resource' },
      { method: 'post', path: `/v1/digitizations/${id}/page-count`, body: { confirmedPages: 1, reason: 'conteo' }, roles: ['clerk', 'records_officer'], scope: 'resource' },
      { method: 'post', path: `/v1/digitizations/${id}/pages/1/scan`, roles: ['system', 'clerk', 'records_officer'], scope: 'resource' },
    ]);
  });
});

describe('motor de OCR diferido', () => {
  it('arranca con la primera página, reintenta un arranque fallido y no arranca solo para cerrarse', async () => {
    let starts = 0;
    let closes = 0;
    const lazy = lazyOcrEngine(async () => {
      starts += 1;
      if (starts === 1) throw new Error('sin datos de idioma');
      return { ...scriptedOcr([]), close: async () => void (closes += 1) };
    });
    await lazy.close();
    expect(starts).toBe(0);
    const png = await renderTextPage(['Hoja'], { dpi: 100 });
    await expect(lazy.recognize({ png, dpi: 100 }, { lang: 'spa', timeoutMs: 1000 })).rejects.toThrow(/sin datos de idioma/);
    await lazy.recognize({ png, dpi: 100 }, { lang: 'spa', timeoutMs: 1000 });
    await lazy.recognize({ png, dpi: 100 }, { lang: 'spa', timeoutMs: 1000 });
    expect(starts).toBe(2);
    await lazy.close();
    expect(closes).toBe(1);
  });
});

describe('digitalización con la cola y Tesseract reales (pglite)', () => {
  const log = createLogger('silent');
  let t: TestApp;
  let queue: Queue;
  let engine: OcrEngine;

  beforeAll(async () => {
    engine = await createTesseractEngine({ workers: 1 });
    const jobs: JobQueue = { enqueue: (db, name, data, opts) => queue.enqueue(db, name, data, opts) };
    t = await startTestApp('pglite', { jobs, ocr: engine, digitization: { ...DEFAULT_DIGITIZATION_SETTINGS, concurrency: 1 } });
    queue = await Queue.start(t.db, log, { pollingIntervalSeconds: 0.5 });
    await queue.work(jobHandlers({ 'ocr.batch': ocrBatchJob(t.services.digitizations) }));
  }, 120_000);
  afterAll(async () => {
    await queue?.stop(5_000);
    await engine?.close();
    await t?.close();
  });

  it('una página en castellano escaneada termina como PDF con texto que pdftotext lee y la búsqueda encuentra', async () => {
    const a = await t.agency('DIGOCR');
    const scan = await renderTextPage(['Resolución de la Municipalidad de Ñuñoa', 'sobre la postulación al subsidio habitacional.'], { dpi: 300 });
    const res = await t.request().post('/v1/digitizations').set(bearer(a.token)).field('capture', capture({ dpi: 300 })).attach('file', scan, 'hoja.png');
    expect(res.status, res.text).toBe(202);

    let body: { state: string; searchableVersion: number | null; pages: Array<{ state: string; confidence: number }> } = res.body;
    await eventually(async () => {
      body = (await t.request().get(`/v1/digitizations/${res.body.id}`).set(bearer(a.token))).body;
      return body.state === 'done' || body.state === 'failed';
    }, 'la digitalización terminara');
    expect(body.state).toBe('done');
    expect(body.pages[0]).toMatchObject({ state: 'done' });
    expect(body.pages[0]!.confidence).toBeGreaterThan(70);

    const pdf = await t.request().get(`/v1/documents/${res.body.documentId}/versions/${body.searchableVersion}/content`).set(bearer(a.token)).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const text = pdftotext(pdf.body as Buffer);
    expect(text).toMatch(/Municipalidad/);
    expect(text).toMatch(/subsidio habitacional/);

    const found = await t.request().get('/v1/search').query({ q: 'postulacion subsidio' }).set(bearer(a.token));
    expect(found.body.items.map((h: { id: string }) => h.id)).toContain(res.body.documentId);
  }, 180_000);

  it('una hoja escaneada al revés se endereza antes del OCR y el PDF con texto la muestra derecha', async () => {
    const a = await t.agency('DIGROT');
    const lines = ['Resolución exenta que aprueba el convenio', 'de colaboración con la Municipalidad de Ñuñoa.'];
    const upsideDown = await sharp(await renderTextPage(lines, { dpi: 300 })).rotate(180).png().withMetadata({ density: 300 }).toBuffer();
    const res = await t.request().post('/v1/digitizations').set(bearer(a.token)).field('capture', capture({ dpi: 300 })).attach('file', upsideDown, 'hoja.png');
    expect(res.status, res.text).toBe(202);
    let body: { state: string; searchableVersion: number | null; pages: Array<{ state: string; rotation: number; confidence: number }> } = res.body;
    await eventually(async () => {
      body = (await t.request().get(`/v1/digitizations/${res.body.id}`).set(bearer(a.token))).body;
      return body.state === 'done' || body.state === 'failed';
    }, 'la digitalización terminara');
    expect(body.pages[0]).toMatchObject({ state: 'done', rotation: 180 });
    const pdf = await t.request().get(`/v1/documents/${res.body.documentId}/versions/${body.searchableVersion}/content`).set(bearer(a.token)).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(pdftotext(pdf.body as Buffer)).toMatch(/Municipalidad/);
  }, 240_000);
});
