import { z } from 'zod';
import { FIXITY_TRIGGERS, OUTCOMES, RUN_STATES, type RunRow } from '../../features/fixity/fixityRepository.ts';
import type { FixityAlert } from '../../features/fixity/fixityService.ts';
import type { Services } from '../../services.ts';
import { decodeCursor, toPage } from '../pagination.ts';
import { defineRoute, idParams, pageQuery, type RouteDef } from '../route.ts';
import { pageOf } from '../schemas.ts';

/** Runs hold no agency's records, only counts; the alerts are scoped to the caller's agency (the operator sees all). */
const READERS = ['archivist', 'admin', 'auditor', 'operator'] as const;
const STARTERS = ['archivist', 'admin', 'operator'] as const;

const timestamp = z.iso.datetime();

const runOut = z
  .object({
    id: z.uuid(),
    trigger: z.enum(FIXITY_TRIGGERS),
    state: z.enum(RUN_STATES),
    resumedFrom: z.uuid().nullable().describe('la verificación interrumpida que esta continúa'),
    startAfter: z.string().nullable().describe('clave después de la cual empezó'),
    cursor: z.string().nullable().describe('última clave verificada'),
    objectsTotal: z.number().int().nullable(),
    objectsChecked: z.number().int(),
    bytesTotal: z.number().int().nullable().describe('estimación desde el listado del almacén'),
    bytesChecked: z.number().int(),
    mismatches: z.number().int(),
    missing: z.number().int(),
    error: z.string().nullable(),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
  })
  .meta({ id: 'FixityRun' });

const referenceOut = z
  .object({
    kind: z.string().describe('tabla que referencia el objeto: document_versions, case_file_indexes…'),
    agencyId: z.uuid(),
    documentId: z.uuid().nullable(),
    version: z.number().int().nullable(),
    caseFile: z.string().nullable().describe('IUIe'),
    indexVersion: z.number().int().nullable(),
    receiptNumber: z.string().nullable(),
    communicationId: z.uuid().nullable(),
    copyId: z.uuid().nullable(),
  })
  .meta({ id: 'FixityReference' });

const alertOut = z
  .object({
    objectKey: z.string(),
    outcome: z.enum(OUTCOMES).exclude(['ok']),
    expectedSha256: z.string(),
    actualSha256: z.string().nullable(),
    checkedAt: timestamp,
    runId: z.uuid(),
    references: z.array(referenceOut),
  })
  .meta({ id: 'FixityAlert' });

const runView = (r: RunRow) => ({
  id: r.id,
  trigger: r.trigger,
  state: r.state,
  resumedFrom: r.resumedFrom,
  startAfter: r.startAfter,
  cursor: r.cursor,
  objectsTotal: r.objectsTotal,
  objectsChecked: r.objectsChecked,
  bytesTotal: r.bytesTotal,
  bytesChecked: r.bytesChecked,
  mismatches: r.mismatches,
  missing: r.missing,
  error: r.error,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
});

const alertView = ({ check, references }: FixityAlert) => ({
  objectKey: check.objectKey,
  outcome: check.outcome,
  expectedSha256: check.expectedSha256,
  actualSha256: check.actualSha256,
  checkedAt: check.checkedAt,
  runId: check.runId,
  references: references.map(({ objectKey: _k, ...r }) => r),
});

export function fixityRoutes(s: Services): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/fixity/alerts',
      tag: 'fijeza',
      summary: 'Objetos cuya última verificación de fijeza falló (bytes alterados o ausentes), con los registros de su agencia que los referencian.',
      auth: { roles: READERS },
      query: z.strictObject(pageQuery),
      responses: { 200: { description: 'Página de alertas, la más reciente primero', schema: pageOf(alertOut) } },
      async handler(ctx, { query }, actor) {
        const before = decodeCursor(query.cursor, 'int');
        const alerts = await s.fixity.alerts(actor, before === undefined ? null : Number(before), query.limit + 1);
        const page = toPage(alerts, query.limit, (a) => String(a.check.id));
        ctx.body = { items: page.items.map(alertView), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/fixity/runs',
      tag: 'fijeza',
      summary: 'Verificaciones de fijeza, la más reciente primero, con su avance.',
      auth: { roles: READERS },
      query: z.strictObject(pageQuery),
      responses: { 200: { description: 'Página de verificaciones', schema: pageOf(runOut) } },
      async handler(ctx, { query }) {
        const before = decodeCursor(query.cursor, 'int');
        const runs = await s.fixity.list(before === undefined ? null : Number(before), query.limit + 1);
        const page = toPage(runs, query.limit, (r) => String(r.seq));
        ctx.body = { items: page.items.map(runView), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/fixity/runs/:id',
      tag: 'fijeza',
      summary: 'Avance de una verificación de fijeza: objetos y bytes verificados, daños encontrados.',
      auth: { roles: READERS },
      params: idParams,
      responses: { 200: { description: 'La verificación', schema: runOut } },
      async handler(ctx, { params }) {
        ctx.body = runView(await s.fixity.get(params.id));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/fixity/runs',
      tag: 'fijeza',
      summary: 'Inicia una verificación de fijeza de todos los objetos (continúa la última si quedó interrumpida); un trabajador la ejecuta.',
      auth: { roles: STARTERS },
      responses: { 202: { description: 'Verificación encolada', schema: runOut } },
      async handler(ctx, _input, actor) {
        const run = await s.fixity.request(actor);
        ctx.status = 202;
        ctx.set('Location', `/v1/fixity/runs/${run.id}`);
        ctx.body = runView(run);
      },
    }),
  ];
}
