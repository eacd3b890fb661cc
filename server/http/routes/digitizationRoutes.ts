import type { Knex } from 'knex';
import { z } from 'zod';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Config } from '../../config.ts';
import { ValidationError } from '../../errors.ts';
import { COLOR_MODES, DIGITIZATION_STATES, PAGE_STATES, REVIEW_ACTIONS, type DigitizationRow, type PageRow } from '../../features/digitizations/digitizationRepository.ts';
import { parseCapture } from '../../features/digitizations/digitizationService.ts';
import { discardIfUnreferenced } from '../../features/objects/objectGuard.ts';
import type { Services } from '../../services.ts';
import { idempotencyKey } from '../idempotencyKey.ts';
import { decodeCursor, toPage } from '../pagination.ts';
import { readMultipartUpload } from '../readMultipartUpload.ts';
import { defineRoute, idParams, pageQuery, type RouteDef } from '../route.ts';
import { pageOf } from '../schemas.ts';

const SCANNERS = ['system', 'clerk', 'records_officer'] as const;
const CERTIFIERS = ['clerk', 'records_officer'] as const;
const pageParams = z.strictObject({ id: z.uuid(), n: z.coerce.number().int().min(1).max(100_000) });

const pageOut = z
  .object({
    number: z.number().int(),
    state: z.enum(PAGE_STATES),
    confidence: z.number().nullable(),
    error: z.string().nullable(),
    reviewAction: z.enum(REVIEW_ACTIONS).nullable(),
    reviewedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'DigitizedPage' });

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
    error: z.string().nullable(),
    pages: z.array(pageOut),
  })
  .meta({ id: 'Digitization' });

const reviewItemOut = z
  .object({ digitizationId: z.uuid(), documentId: z.uuid(), number: z.number().int(), state: z.enum(PAGE_STATES), confidence: z.number().nullable(), error: z.string().nullable(), text: z.string().nullable() })
  .meta({ id: 'ReviewQueueItem' });

const pageView = (p: PageRow) => ({ number: p.number, state: p.state, confidence: p.confidence, error: p.error, reviewAction: p.reviewAction, reviewedAt: p.reviewedAt });

const view = (d: DigitizationRow, pages: PageRow[]) => ({
  id: d.id,
  state: d.state,
  documentId: d.documentId,
  originalVersion: d.originalVersion,
  searchableVersion: d.searchableVersion,
  certifiedVersion: d.certifiedVersion,
  declaredPages: d.declaredPages,
  scannedPages: d.scannedPages,
  caseFile: d.caseFileIuie,
  capture: { device: d.device, dpi: d.dpi, colorMode: d.colorMode, operator: d.operator, lang: d.lang, capturedAt: d.createdAt },
  error: d.error,
  finishedAt: d.finishedAt,
  certifiedAt: d.certifiedAt,
  pages: pages.map(pageView),
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
      summary: 'Recibe un escaneo (PNG, JPEG o TIFF de varias páginas) con sus datos de captura; guarda el original intacto y encola su OCR.',
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
        const { digitization, pages } = await s.digitizations.get(actor, params.id);
        ctx.body = view(digitization, pages);
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
      summary: 'Certifica la copia digitalizada: sella el PDF con texto con el sello de la agencia como nueva versión final y la incorpora al expediente.',
      auth: { roles: CERTIFIERS },
      params: idParams,
      responses: { 200: { description: 'Digitalización certificada', schema: digitizationOut } },
      async handler(ctx, { params }, actor) {
        const certified = await s.digitizations.certify(actor, params.id);
        const { pages } = await s.digitizations.get(actor, certified.id);
        ctx.body = view(certified, pages);
      },
    }),
  ];
}
