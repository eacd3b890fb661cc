import { z } from 'zod';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { HoldRow, RuleRow, SeriesRow } from '../../features/archive/archiveRepository.ts';
import { planInput, type DispositionRow } from '../../features/archive/dispositionService.ts';
import { DISPOSITIONS, TRIGGERS } from '../../features/archive/effectiveSchedule.ts';
import { holdInput, releaseInput } from '../../features/archive/legalHoldService.ts';
import { overrideInput, ruleInput, seriesInput, type RecordSchedule } from '../../features/archive/retentionService.ts';
import type { Services } from '../../services.ts';
import { contentDisposition } from '../byteRange.ts';
import { decodeCursor, toPage } from '../pagination.ts';
import { defineRoute, idParams, pageQuery, type RouteDef } from '../route.ts';
import { pageOf } from '../schemas.ts';

const ARCHIVISTS = ['archivist'] as const;
/** Who may place a hold: the archive, and the records office that receives the court order. */
const HOLDERS = ['archivist', 'records_officer', 'admin'] as const;

const seriesOut = z
  .object({ code: z.string(), parent: z.string().nullable(), title: z.string(), description: z.string().nullable(), createdAt: z.iso.datetime() })
  .meta({ id: 'Series' });
const ruleOut = z
  .object({
    series: z.string(),
    version: z.number().int(),
    periodYears: z.number().int(),
    trigger: z.enum(TRIGGERS),
    triggerDate: z.string().nullable(),
    disposition: z.enum(DISPOSITIONS),
    reason: z.string(),
    appliesToRunning: z.boolean().describe('true si se dictó con revisión explícita: rige también los plazos en curso'),
    reviewReason: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'RetentionRule' });
const holdOut = z
  .object({
    id: z.uuid(),
    targetType: z.enum(['case_file', 'document', 'series']),
    targetId: z.uuid().nullable(),
    caseFile: z.string().nullable().describe('IUIe del expediente retenido'),
    series: z.string().nullable(),
    reason: z.string(),
    createdAt: z.iso.datetime(),
    releasedAt: z.iso.datetime().nullable(),
    releaseReason: z.string().nullable(),
  })
  .meta({ id: 'LegalHold' });
const scheduleOut = z
  .object({
    targetType: z.enum(['case_file', 'document']),
    targetId: z.uuid(),
    label: z.string(),
    series: z.string().nullable(),
    schedule: z.object({ periodYears: z.number().int(), disposition: z.enum(DISPOSITIONS), startedAt: z.iso.datetime(), dueAt: z.iso.datetime(), source: z.string() }).nullable(),
    holds: z.array(holdOut),
  })
  .meta({ id: 'RecordSchedule' });
const dispositionOut = z
  .looseObject({
    id: z.uuid(),
    state: z.enum(['proposed', 'approved', 'running', 'completed', 'failed', 'cancelled']),
    dueAt: z.iso.datetime(),
    itemsTotal: z.number().int(),
    itemsDone: z.number().int(),
    bytesTotal: z.number().int(),
    totals: z.array(z.object({ action: z.string(), state: z.string(), items: z.number().int(), bytes: z.number().int() })),
    transferId: z.uuid().nullable(),
    certificateNumber: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'Disposition' });
const itemOut = z
  .object({
    seq: z.number().int(),
    targetType: z.enum(['case_file', 'document']),
    targetId: z.uuid(),
    label: z.string(),
    series: z.string().nullable(),
    action: z.enum(DISPOSITIONS),
    scheduleSource: z.string(),
    dueAt: z.iso.datetime(),
    bytes: z.number().int(),
    state: z.enum(['pending', 'done', 'skipped']),
    skipReason: z.string().nullable(),
  })
  .meta({ id: 'DispositionItem' });

const seriesView = (s: SeriesRow) => ({ code: s.code, parent: s.parentCode, title: s.title, description: s.description, createdAt: s.createdAt });
const ruleView = (r: RuleRow) => ({
  series: r.seriesCode,
  version: r.version,
  periodYears: r.periodYears,
  trigger: r.trigger,
  triggerDate: r.triggerDate,
  disposition: r.disposition,
  reason: r.reason,
  appliesToRunning: r.appliesToRunning,
  reviewReason: r.reviewReason,
  createdAt: r.createdAt,
});
const holdView = (h: HoldRow) => ({ id: h.id, targetType: h.targetType, targetId: h.targetId, caseFile: h.caseFileIuie, series: h.seriesCode, reason: h.reason, createdAt: h.createdAt, releasedAt: h.releasedAt, releaseReason: h.releaseReason });
const scheduleView = (r: RecordSchedule) => ({ targetType: r.targetType, targetId: r.targetId, label: r.label, series: r.seriesCode, schedule: r.schedule, holds: r.holds.map(holdView) });
/** A run as the API shows it: who proposed and approved stay in the audit log, the certificate's hash in its ETag. */
const dispositionView = <T extends DispositionRow>({ createdBy: _c, approvedBy: _a, certificateSha256: _s, ...d }: T) => d;

export function archiveRoutes(s: Services, store: ObjectStore): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/series',
      tag: 'archivo',
      summary: 'Cuadro de clasificación de la agencia: sus series por código.',
      auth: { roles: [] },
      responses: { 200: { description: 'Las series', schema: z.object({ items: z.array(seriesOut) }) } },
      async handler(ctx, _input, actor) {
        ctx.body = { items: (await s.retention.listSeries(actor)).map(seriesView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/series',
      tag: 'archivo',
      summary: 'Crea una serie del cuadro de clasificación (01, 01.02…); su serie superior debe existir.',
      auth: { roles: ARCHIVISTS },
      body: seriesInput,
      responses: { 201: { description: 'Serie creada', schema: seriesOut } },
      async handler(ctx, { body }, actor) {
        ctx.status = 201;
        ctx.body = seriesView(await s.retention.createSeries(actor, body));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/retention-rules',
      tag: 'archivo',
      summary: 'Tabla de retención: cada versión de la regla de cada serie (la de número mayor es la vigente).',
      auth: { roles: [] },
      query: z.strictObject({ series: z.string().max(120).optional() }),
      responses: { 200: { description: 'Las reglas', schema: z.object({ items: z.array(ruleOut) }) } },
      async handler(ctx, { query }, actor) {
        ctx.body = { items: (await s.retention.rules(actor, query.series)).map(ruleView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/retention-rules',
      tag: 'archivo',
      summary: 'Fija una nueva versión de la regla de una serie. Un plazo más corto solo alcanza a los plazos ya en curso con `review` (revisión explícita, auditada).',
      auth: { roles: ARCHIVISTS },
      body: ruleInput,
      responses: { 201: { description: 'Regla vigente', schema: ruleOut } },
      async handler(ctx, { body }, actor) {
        ctx.status = 201;
        ctx.body = ruleView(await s.retention.setRule(actor, body));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/retention-overrides',
      tag: 'archivo',
      summary: 'Fija el calendario de un expediente o documento aparte del de su serie (acto auditado, con fundamento).',
      auth: { roles: ARCHIVISTS },
      body: overrideInput,
      responses: { 201: { description: 'Calendario resultante', schema: scheduleOut } },
      async handler(ctx, { body }, actor) {
        ctx.status = 201;
        ctx.body = scheduleView(await s.retention.override(actor, body));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/retention',
      tag: 'archivo',
      summary: 'Calendario de conservación de un expediente (caseFile) o documento (document): plazo, origen, vencimiento y retenciones que lo detienen.',
      auth: { roles: [] },
      query: z.strictObject({ caseFile: z.string().min(1).max(200).optional(), document: z.uuid().optional() }).refine((q) => (q.caseFile === undefined) !== (q.document === undefined), { message: 'indique caseFile o document, uno solo', path: ['caseFile'] }),
      responses: { 200: { description: 'El calendario', schema: scheduleOut } },
      async handler(ctx, { query }, actor) {
        ctx.body = scheduleView(await s.retention.scheduleOf(actor, query));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/legal-holds',
      tag: 'archivo',
      summary: 'Retenciones legales de la agencia (active=true: solo las vigentes).',
      auth: { roles: [] },
      query: z.strictObject({ active: z.enum(['true', 'false']).optional() }),
      responses: { 200: { description: 'Las retenciones', schema: z.object({ items: z.array(holdOut) }) } },
      async handler(ctx, { query }, actor) {
        ctx.body = { items: (await s.legalHolds.list(actor, query.active === undefined ? undefined : query.active === 'true')).map(holdView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/legal-holds',
      tag: 'archivo',
      summary: 'Pone una retención legal sobre un expediente, un documento o una serie: mientras dure, nada bajo ella se elimina.',
      auth: { roles: HOLDERS },
      body: holdInput,
      responses: { 201: { description: 'Retención puesta', schema: holdOut } },
      async handler(ctx, { body }, actor) {
        ctx.status = 201;
        ctx.body = holdView(await s.legalHolds.place(actor, body));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/legal-holds/:id/release',
      tag: 'archivo',
      summary: 'Levanta una retención legal, con su fundamento.',
      auth: { roles: HOLDERS },
      params: idParams,
      body: releaseInput,
      responses: { 200: { description: 'Retención levantada', schema: holdOut } },
      async handler(ctx, { params, body }, actor) {
        ctx.body = holdView(await s.legalHolds.release(actor, params.id, body));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/dispositions',
      tag: 'archivo',
      summary: 'Propone una eliminación (simulación): lista lo vencido a la fecha de corte con cantidades y tamaños por acción; nada se toca hasta que otro archivero la apruebe.',
      auth: { roles: ARCHIVISTS },
      body: planInput,
      responses: { 201: { description: 'Propuesta', schema: dispositionOut } },
      async handler(ctx, { body }, actor) {
        const plan = await s.dispositions.plan(actor, body);
        ctx.status = 201;
        ctx.set('Location', `/v1/dispositions/${plan.id}`);
        ctx.body = dispositionView(plan);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/dispositions',
      tag: 'archivo',
      summary: 'Las últimas eliminaciones de la agencia, la más reciente primero.',
      auth: { roles: [] },
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      responses: { 200: { description: 'Las eliminaciones', schema: z.object({ items: z.array(dispositionOut.omit({ totals: true })) }) } },
      async handler(ctx, { query }, actor) {
        ctx.body = { items: (await s.dispositions.list(actor, query.limit)).map(dispositionView) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/dispositions/:id',
      tag: 'archivo',
      summary: 'Estado y avance de una eliminación.',
      auth: { roles: [] },
      params: idParams,
      responses: { 200: { description: 'La eliminación', schema: dispositionOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = dispositionView(await s.dispositions.get(actor, params.id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/dispositions/:id/items',
      tag: 'archivo',
      summary: 'Los registros de una eliminación, en orden, con su acción, calendario y resultado.',
      auth: { roles: [] },
      params: idParams,
      query: z.strictObject(pageQuery),
      responses: { 200: { description: 'Página de registros', schema: pageOf(itemOut) } },
      async handler(ctx, { params, query }, actor) {
        const after = decodeCursor(query.cursor, 'int');
        const rows = await s.dispositions.items(actor, params.id, after === undefined ? undefined : Number(after), query.limit);
        const page = toPage(rows, query.limit, (i) => String(i.seq));
        ctx.body = { items: page.items.map(({ seriesCode, doneAt: _d, ...i }) => ({ ...i, series: seriesCode })), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/dispositions/:id/approve',
      tag: 'archivo',
      summary: 'Aprueba una eliminación propuesta por otro archivero y la ejecuta en segundo plano (transferencias y eliminaciones, con acta).',
      auth: { roles: ARCHIVISTS },
      params: idParams,
      responses: { 202: { description: 'Aprobada y en curso', schema: dispositionOut } },
      async handler(ctx, { params }, actor) {
        ctx.status = 202;
        ctx.body = dispositionView(await s.dispositions.approve(actor, params.id));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/dispositions/:id/resume',
      tag: 'archivo',
      summary: 'Reanuda una eliminación que falló tras su último intento: sigue donde quedó, sin repetir nada.',
      auth: { roles: ARCHIVISTS },
      params: idParams,
      responses: { 202: { description: 'Reanudada', schema: dispositionOut } },
      async handler(ctx, { params }, actor) {
        ctx.status = 202;
        ctx.body = dispositionView(await s.dispositions.resume(actor, params.id));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/dispositions/:id/cancel',
      tag: 'archivo',
      summary: 'Cancela una eliminación propuesta que no se aprobará.',
      auth: { roles: ARCHIVISTS },
      params: idParams,
      responses: { 200: { description: 'Cancelada', schema: dispositionOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = dispositionView(await s.dispositions.cancel(actor, params.id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/dispositions/:id/certificate',
      tag: 'archivo',
      summary: 'Descarga el acta de eliminación sellada.',
      auth: { roles: [] },
      params: idParams,
      responses: { 200: { description: 'Acta firmada', contentType: 'application/pdf' } },
      async handler(ctx, { params }, actor) {
        const c = await s.dispositions.certificate(actor, params.id);
        ctx.type = 'application/pdf';
        ctx.set('ETag', `"${c.sha256}"`);
        ctx.set('Content-Disposition', contentDisposition(`${c.number}.pdf`, 'acta.pdf'));
        ctx.body = await store.get(c.objectKey);
      },
    }),
  ];
}
