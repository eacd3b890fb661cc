import type { Knex } from 'knex';
import sharp from 'sharp';
import { z } from 'zod';
import { loadScanPages } from '../../../ocr-worker/engine/loadScanPages.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Config } from '../../config.ts';
import { ValidationError } from '../../errors.ts';
import { COLOR_MODES, DIGITIZATION_STATES, PAGE_STATES, REVIEW_ACTIONS, type DigitizationRow, type PageRow } from '../../features/digitizations/digitizationRepository.ts';
import { parseCapture } from '../../features/digitizations/digitizationService.ts';
import { RENDITION_KINDS, type RenditionRow } from '../../features/digitizations/renditionRepository.ts';
import { discardIfUnreferenced } from '../../features/objects/objectGuard.ts';
import { assertContentKept } from '../../features/archive/assertContentKept.ts';
import { storeRangeSource } from '../../features/documents/storeRangeSource.ts';
import { NotFoundError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { idempotencyKey } from '../idempotencyKey.ts';
import { decodeCursor, toPage } from '../pagination.ts';
import { readMultipartUpload } from '../readMultipartUpload.ts';
import { defineRoute, idParams, pageQuery, type RouteDef } from '../route.ts';
import { pageOf } from '../schemas.ts';

const SCANNERS = ['system', 'clerk', 'records_officer'] as const;
const CERTIFIERS = ['clerk', 'records_officer'] as const;
/** Widest page image sent to a screen: enough to read a page at 150 dpi, a fraction of a 600 dpi scan's bytes. */
const PAGE_IMAGE_MAX_WIDTH = 1400;
const pageParams = z.strictObject({ id: z.uuid(), n: z.coerce.number().int().min(1).max(100_000) });

const pageOut = z
  .object({
    number: z.number().int(),
    state: z.enum(PAGE_STATES),
    confidence: z.number().nullable(),
    rotation: z.number().int().describe('giro horario (grados) con que la página quedó derecha'),
    error: z.string().nullable(),
    reviewAction: z.enum(REVIEW_ACTIONS).nullable(),
    reviewedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'DigitizedPage' });

const renditionOut = z
  .object({ kind: z.enum(RENDITION_KINDS), sourceVersion: z.number().int(), derivedVersion: z.number().int(), createdAt: z.iso.datetime(), details: z.record(z.string(), z.unknown()) })
  .meta({ id: 'Rendition' });

const digitizationOut = z
  .looseObject({
    id: z.uuid(),
    state: z.enum(DIGITIZATION_STATES),
    documentId: z.uuid(),
    originalVersion: z.number().int(),
    searchableVersion: z.number().int().nullable(),
    certifiedVersion: z.number().int().nullable(),
    declaredPages: z.number().int(),
    scannedPages: z.number().int(),
    capture: z.object({ device: z.string(), dpi: z.number().int(), colorMode: z.enum(COLOR_MODES), operator: z.string(), lang: z.string(), capturedAt: z.iso.datetime() }),
    confirmedPages: z.number().int().nullable(),
    error: z.string().nullable(),
    pages: z.array(pageOut),
    renditions: z.array(renditionOut),
  })
  .meta({ id: 'Digitization' });

const certifiedOut = digitizationOut
  .extend({
    authorizedCopy: z
      .object({ id: z.uuid(), code: z.string(), verifyUrl: z.string(), sha256: z.string(), issuedAt: z.iso.datetime() })
      .describe('Copia autorizada de la versión certificada; el código se muestra solo esta vez.'),
  })
  .meta({ id: 'CertifiedDigitization' });

const reviewItemOut = z
  .object({ digitizationId: z.uuid(), documentId: z.uuid(), number: z.number().int(), state: z.enum(PAGE_STATES), confidence: z.number().nullable(), error: z.string().nullable(), text: z.string().nullable() })
  .meta({ id: 'ReviewQueueItem' });

const pageView = (p: PageRow) => ({ number: p.number, state: p.state, confidence: p.confidence, rotation: p.rotation, error: p.error, reviewAction: p.reviewAction, reviewedAt: p.reviewedAt });

const view = (d: DigitizationRow, pages: PageRow[], renditions: RenditionRow[]) => ({
  id: d.id,
  state: d.state,
  documentId: d.documentId,
  originalVersion: d.originalVersion,
  searchableVersion: d.searchableVersion,
  certifiedVersion: d.certifiedVersion,
  declaredPages: d.declaredPages,
  scannedPages: d.scannedPages,
  confirmedPages: d.confirmedPages,
  caseFile: d.caseFileIuie,
  capture: { device: d.device, dpi: d.dpi, colorMode: d.colorMode, operator: d.operator, lang: d.lang, capturedAt: d.createdAt },
  error: d.error,
  finishedAt: d.finishedAt,
  certifiedAt: d.certifiedAt,
  pages: pages.map(pageView),
  renditions: renditions.map((r) => ({ kind: r.kind, sourceVersion: r.sourceVersion, derivedVersion: r.derivedVersion, createdAt: r.createdAt, details: r.details })),
});

export interface DigitizationRouteDeps {
  services: Services;
  store: ObjectStore;
  knex: Knex;
  limits: Config['documents'];
}

export function digitizationRoutes({ services: s, store, knex, limits }: DigitizationRouteDeps): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/digitizations',
      tag: 'digitalización',
      summary: 'Recibe un escaneo (PDF de imágenes, TIFF de varias páginas, JPEG o PNG) con sus datos de captura; guarda el original intacto y encola su OCR.',
      auth: { roles: SCANNERS },
      upload: { file: 'el escaneo', capture: 'JSON: device, dpi, colorMode, operator, declaredPages, title, y opcionales caseFile, lang, documentType, keywords, accessLevel' },
      responses: { 202: { description: 'Digitalización encolada', schema: z.object({ id: z.uuid(), state: z.enum(DIGITIZATION_STATES), pages: z.number().int(), documentId: z.uuid() }) } },
      async handler(ctx, _input, actor) {
        const key = idempotencyKey(ctx);
        const { fields, file } = await readMultipartUpload(ctx, store, { maxFileBytes: limits.maxUploadBytes, fields: ['capture'], maxFieldBytes: 64 * 1024 }, (put) =>
          discardIfUnreferenced(knex, store, put),
        );
        if (!file) throw new ValidationError('Falta la parte "file" con el escaneo.', [{ field: 'file', message: 'obligatorio' }]);
        let answer;
        try {
          answer = await s.digitizations.intake(actor, file, parseCapture(fields.capture), key);
        } catch (err) {
          await discardIfUnreferenced(knex, store, file.put);
          throw err;
        }
        const body = answer.body as { id: string };
        ctx.status = answer.status;
        if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
        ctx.set('Location', `/v1/digitizations/${body.id}`);
        ctx.body = answer.body;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/digitizations/:id',
      tag: 'digitalización',
      summary: 'Estado de una digitalización y avance por página; la versión con texto buscable cuando el OCR termina.',
      auth: { roles: [] },
      params: idParams,
      responses: { 200: { description: 'La digitalización', schema: digitizationOut } },
      async handler(ctx, { params }, actor) {
        const { digitization, pages, renditions } = await s.digitizations.get(actor, params.id);
        ctx.body = view(digitization, pages, renditions);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/review-queue',
      tag: 'digitalización',
      summary: 'Páginas que esperan revisión (confianza bajo el umbral u OCR fallido), las más antiguas primero.',
      auth: { roles: CERTIFIERS },
      query: z.strictObject(pageQuery),
      responses: { 200: { description: 'Página de la cola de revisión', schema: pageOf(reviewItemOut) } },
      async handler(ctx, { query }, actor) {
        const after = decodeCursor(query.cursor, 'int');
        const rows = await s.digitizations.reviewQueue(actor, after === undefined ? undefined : Number(after), query.limit);
        const page = toPage(rows, query.limit, (p) => String(p.seq));
        ctx.body = {
          items: page.items.map((p) => ({ digitizationId: p.digitizationId, documentId: p.documentId, number: p.number, state: p.state, confidence: p.confidence, error: p.error, text: p.text })),
          nextCursor: page.nextCursor,
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/digitizations/:id/pages/:n/review',
      tag: 'digitalización',
      summary: 'Revisa una página: la acepta, corrige su texto (la corrección queda junto al texto del OCR) o pide volver a digitalizarla.',
      auth: { roles: CERTIFIERS },
      params: pageParams,
      body: z.strictObject({ action: z.enum(REVIEW_ACTIONS), text: z.string().trim().min(1).max(200_000).optional() }),
      responses: { 200: { description: 'La página revisada', schema: pageOut } },
      async handler(ctx, { params, body }, actor) {
        ctx.body = pageView(await s.digitizations.review(actor, params.id, params.n, body));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/digitizations/:id/certify',
      tag: 'digitalización',
      summary: 'Certifica la copia digitalizada: sella el PDF con texto con el sello de la agencia como nueva versión final, la incorpora al expediente y emite su código de verificación de copia autorizada.',
      auth: { roles: CERTIFIERS },
      params: idParams,
      responses: { 200: { description: 'Digitalización certificada, con el código de su copia autorizada (mostrado solo esta vez)', schema: certifiedOut } },
      async handler(ctx, { params }, actor) {
        const { digitization, authorizedCopy: copy } = await s.digitizations.certify(actor, params.id);
        const { pages, renditions } = await s.digitizations.get(actor, digitization.id);
        ctx.body = { ...view(digitization, pages, renditions), authorizedCopy: { id: copy.id, code: copy.code, verifyUrl: copy.verifyUrl, sha256: copy.sha256, issuedAt: copy.issuedAt } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/digitizations/:id/page-count',
      tag: 'digitalización',
      summary: 'Resuelve una diferencia entre las páginas declaradas y las digitalizadas confirmando que el conteo en papel estaba errado; si faltan páginas, vuelva a digitalizar.',
      auth: { roles: CERTIFIERS },
      params: idParams,
      body: z.strictObject({ confirmedPages: z.number().int().min(1).max(10_000), reason: z.string().trim().min(3).max(2000) }),
      responses: { 200: { description: 'La digitalización con el número de páginas confirmado', schema: digitizationOut } },
      async handler(ctx, { params, body }, actor) {
        await s.digitizations.confirmPageCount(actor, params.id, body);
        const { digitization, pages, renditions } = await s.digitizations.get(actor, params.id);
        ctx.body = view(digitization, pages, renditions);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/digitizations/:id/pages/:n/image',
      tag: 'digitalización',
      summary: 'Imagen de una página digitalizada, derecha (con el giro que encontró el OCR) y reducida para la pantalla, en PNG en escala de grises: para revisarla junto a su texto.',
      auth: { roles: [] },
      params: pageParams,
      responses: { 200: { description: 'La página en PNG', contentType: 'image/png' } },
      async handler(ctx, { params }, actor) {
        const { digitization: d, pages } = await s.digitizations.get(actor, params.id);
        const page = pages.find((p) => p.number === params.n);
        if (!page) throw new NotFoundError(`La digitalización no tiene página ${params.n}.`);
        // The page lies in the original scan or, once rescanned, in a version of its own; reading it is a read of that version.
        const version = await s.documents.version(actor, d.documentId, page.sourceVersion ?? d.originalVersion);
        await assertContentKept(knex, version.id);
        // The file was accepted at intake with these very pages: its largest page bounds the decoding.
        const maxPixels = Math.max(...pages.map((p) => p.width * p.height));
        const scan = await loadScanPages(storeRangeSource(store, version.objectKey, version.size), { maxPixels, maxPages: 100_000 });
        const image = await scan.load(page.sourceVersion === null ? page.number - 1 : 0, page.rotation);
        ctx.type = 'image/png';
        ctx.set('Cache-Control', 'private, no-store');
        ctx.body = await sharp(image.png).resize({ width: PAGE_IMAGE_MAX_WIDTH, withoutEnlargement: true }).png({ compressionLevel: 9, palette: false }).toBuffer();
      },
    }),
    // POST, not PUT: the route table (server/http/route.ts) has no PUT; sending the same image again changes nothing.
    defineRoute({
      method: 'post',
      path: '/v1/digitizations/:id/pages/:n/scan',
      tag: 'digitalización',
      summary: 'Reemplaza una página con nueva digitalización solicitada (una imagen o un PDF de una página): la nueva imagen queda como versión propia, la anterior se conserva y un nuevo OCR genera otra versión con texto.',
      auth: { roles: SCANNERS },
      params: pageParams,
      upload: { file: 'la nueva digitalización de la página' },
      responses: {
        202: { description: 'Página reemplazada; su OCR quedó encolado', schema: pageOut },
        200: { description: 'La página ya tenía esta imagen; nada cambió', schema: pageOut },
      },
      async handler(ctx, { params }, actor) {
        const key = idempotencyKey(ctx);
        // Another agency's digitization is not found before its upload is read, whatever the body.
        await s.digitizations.get(actor, params.id);
        const { file } = await readMultipartUpload(ctx, store, { maxFileBytes: limits.maxUploadBytes, fields: [], maxFieldBytes: 1024 }, (put) => discardIfUnreferenced(knex, store, put));
        if (!file) throw new ValidationError('Falta la parte "file" con la nueva digitalización de la página.', [{ field: 'file', message: 'obligatorio' }]);
        let answer;
        try {
          answer = await s.digitizations.rescanPage(actor, params.id, params.n, file, key);
        } catch (err) {
          await discardIfUnreferenced(knex, store, file.put);
          throw err;
        }
        ctx.status = answer.status;
        if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
        ctx.body = pageView(answer.body as PageRow);
      },
    }),
  ];
}
