import { z } from 'zod';
import { COMMUNICATION_TYPES, REJECT_REASONS } from '../../features/communications/communicationRepository.ts';
import type { Services } from '../../services.ts';
import { contentDisposition } from '../byteRange.ts';
import { idempotencyKey } from '../idempotencyKey.ts';
import { decodeCursor, toPage } from '../pagination.ts';
import { dateRangeQuery, defineRoute, fromBeforeTo, idParams, pageQuery, type RouteDef } from '../route.ts';
import { iuieSchema } from '../../../standards/chile/caseFileMetadata.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const versionRef = z.strictObject({ documentId: z.uuid(), version: z.number().int().min(1) });
const DRAFTERS = ['system', 'clerk', 'records_officer'] as const;
const RECORDS_OFFICE = ['records_officer'] as const;
const RECEIVERS = ['system', 'records_officer'] as const;

const draftInput = z.strictObject({
  type: z.enum(COMMUNICATION_TYPES).describe('tipo de comunicación (art. 36 g)'),
  classification: text(100).describe('clasificación (serie o materia) exigida por el art. 36'),
  subject: text(1000).describe('referencia o materia (art. 36 e)'),
  sender: z.strictObject({ authority: text(300), post: text(300) }).describe('autoridad y cargo remitente (art. 36 b)'),
  recipients: z
    .array(z.strictObject({ agencyCode: text(40), persons: z.array(z.strictObject({ name: text(300), post: text(300) })).min(1).max(50) }))
    .min(1)
    .max(500)
    .describe('órganos destinatarios con sus personas y cargos (art. 36 c, d)'),
  content: versionRef.describe('versión PDF con el contenido (art. 36 f)'),
  annexes: z.array(versionRef).max(100).default([]),
  reviewers: z.array(z.uuid()).max(20).default([]).describe('visadores, en orden'),
  signers: z.array(z.uuid()).min(1).max(20).describe('firmantes, en orden'),
  procedure: z.strictObject({ code: text(50), task: text(300).optional(), deadline: z.iso.datetime({ offset: true }).optional() }).optional().describe('procedimiento, tarea y plazo (art. 39)'),
  caseFile: iuieSchema.optional().describe('IUIe del expediente al que pertenece'),
});

const communicationOut = z.looseObject({ id: z.uuid(), identifier: z.string(), state: z.string(), type: z.enum(COMMUNICATION_TYPES) }).meta({ id: 'Communication' });

export function communicationRoutes(s: Services): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/communications',
      tag: 'comunicaciones',
      summary: 'Redacta una comunicación oficial (DS 4 art. 36): contenido, anexos, visadores y firmantes en orden, destinatarios.',
      auth: { roles: DRAFTERS },
      body: draftInput,
      responses: { 201: { description: 'Borrador creado', schema: communicationOut } },
      async handler(ctx, { body }, actor) {
        const answer = await s.communications.draft(actor, body, idempotencyKey(ctx));
        ctx.status = answer.status;
        if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
        ctx.body = answer.body;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/communications',
      tag: 'comunicaciones',
      summary: 'Bandeja de entrada (recibidas) o de salida (propias), con filtros y paginación por cursor.',
      auth: { roles: [] },
      query: z
        .strictObject({
          ...pageQuery,
          box: z.enum(['inbox', 'outbox']),
          state: z.string().max(20).optional(),
          type: z.enum(COMMUNICATION_TYPES).optional(),
          sender: z.string().max(40).optional().describe('código del órgano remitente'),
          q: z.string().trim().min(1).max(200).optional(),
          ...dateRangeQuery,
        })
        .refine(...fromBeforeTo),
      responses: { 200: { description: 'Página de comunicaciones', schema: z.object({ items: z.array(communicationOut), nextCursor: z.string().nullable() }) } },
      async handler(ctx, { query }, actor) {
        const before = decodeCursor(query.cursor, 'int');
        const rows = await s.communications.list(actor, {
          box: query.box,
          state: query.state,
          type: query.type,
          sender: query.sender,
          text: query.q,
          from: query.from,
          to: query.to,
          beforeSeq: before === undefined ? undefined : Number(before),
          limit: query.limit,
        });
        const page = toPage(rows, query.limit, (r) => String(r.seq));
        ctx.body = { items: page.items.map((r) => r.item), nextCursor: page.nextCursor };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/communications/:id',
      tag: 'comunicaciones',
      summary: 'Una comunicación: el remitente ve todo; cada destinatario, la comunicación y su propia entrega.',
      auth: { roles: [] },
      params: idParams,
      responses: { 200: { description: 'La comunicación', schema: communicationOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = await s.communications.get(actor, params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/communications/:id/initial',
      tag: 'comunicaciones',
      summary: 'Visa el contenido (turno del visador siguiente): timbre de iniciales en una nueva versión borrador.',
      auth: { roles: ['reviewer'] },
      params: idParams,
      body: z.strictObject({ initials: z.string().trim().min(1).max(10) }),
      responses: { 200: { description: 'Visado', schema: communicationOut } },
      async handler(ctx, { params, body }, actor) {
        ctx.body = await s.communications.initial(actor, params.id, body.initials);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/communications/:id/sign',
      tag: 'comunicaciones',
      summary: 'Firma el contenido (turno del firmante siguiente, después de todas las visaciones): PAdES, verificable con pdfsig.',
      auth: { roles: ['signer'] },
      params: idParams,
      body: z.strictObject({
        signer: z.enum(['seal', 'firmagob']).default('seal'),
        reason: text(200).default('Firma de comunicación oficial'),
        signerPost: text(200),
        visibleStamp: z.boolean().default(true),
        otp: z.string().regex(/^\d{6}$/).optional(),
        purpose: z.enum(['Propósito General', 'Desatendido']).default('Propósito General'),
      }),
      responses: { 200: { description: 'Firmado', schema: communicationOut } },
      async handler(ctx, { params, body }, actor) {
        ctx.body = await s.communications.sign(actor, params.id, body);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/communications/:id/number',
      tag: 'comunicaciones',
      summary: 'La oficina de partes remitente asigna el número correlativo y lo estampa sin invalidar las firmas.',
      auth: { roles: RECORDS_OFFICE },
      params: idParams,
      body: z.strictObject({ office: text(200).default('Oficina de Partes') }),
      responses: { 200: { description: 'Numerada', schema: communicationOut } },
      async handler(ctx, { params, body }, actor) {
        ctx.body = await s.communications.number(actor, params.id, body.office);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/communications/:id/send',
      tag: 'comunicaciones',
      summary: 'Envía la comunicación numerada: queda inmutable y llega a la bandeja de cada destinatario.',
      auth: { roles: RECORDS_OFFICE },
      params: idParams,
      responses: { 200: { description: 'Enviada', schema: communicationOut } },
      async handler(ctx, { params }, actor) {
        const answer = await s.communications.send(actor, params.id, idempotencyKey(ctx));
        if (answer.replayed) ctx.set('Idempotent-Replayed', 'true');
        ctx.body = answer.body;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/communications/:id/content',
      tag: 'comunicaciones',
      summary: 'Descarga el contenido enviado (o el actual, para el remitente).',
      auth: { roles: [] },
      params: idParams,
      responses: { 200: { description: 'PDF', contentType: 'application/pdf' } },
      async handler(ctx, { params }, actor) {
        const file = await s.communications.content(actor, params.id, 0);
        ctx.type = file.mediaType;
        ctx.set('ETag', `"${file.sha256}"`);
        ctx.set('Content-Disposition', contentDisposition(`comunicacion-${params.id}.pdf`, 'comunicacion.pdf'));
        ctx.body = file.body;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/communications/:id/annexes/:n/content',
      tag: 'comunicaciones',
      summary: 'Descarga un anexo de la comunicación.',
      auth: { roles: [] },
      params: z.strictObject({ id: z.uuid(), n: z.coerce.number().int().min(1).max(100) }),
      responses: { 200: { description: 'El anexo', contentType: 'application/octet-stream' } },
      async handler(ctx, { params }, actor) {
        const file = await s.communications.content(actor, params.id, params.n);
        ctx.type = file.mediaType;
        ctx.set('ETag', `"${file.sha256}"`);
        ctx.body = file.body;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/communications/:id/receive',
      tag: 'comunicaciones',
      summary: 'La oficina de partes destinataria recibe la comunicación (enviada → recibida).',
      auth: { roles: RECEIVERS },
      params: idParams,
      responses: { 200: { description: 'Recibida', schema: communicationOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = await s.communications.receive(actor, params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/communications/:id/distribute',
      tag: 'comunicaciones',
      summary: 'La oficina de partes destinataria la distribuye a una unidad o persona (recibida → distribuida).',
      auth: { roles: RECEIVERS },
      params: idParams,
      body: z.strictObject({ to: text(300) }),
      responses: { 200: { description: 'Distribuida', schema: communicationOut } },
      async handler(ctx, { params, body }, actor) {
        ctx.body = await s.communications.distribute(actor, params.id, body.to);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/communications/:id/acknowledge',
      tag: 'comunicaciones',
      summary: 'Acusa recibo: emite un acuse sellado (quién, cuándo, qué y el SHA-256 de lo recibido), una sola vez.',
      auth: { roles: RECEIVERS },
      params: idParams,
      responses: { 200: { description: 'Acuse emitido', schema: z.looseObject({ receiptNumber: z.string(), sha256: z.string() }) } },
      async handler(ctx, { params }, actor) {
        ctx.body = await s.communications.acknowledge(actor, params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/communications/:id/reject',
      tag: 'comunicaciones',
      summary: 'Rechaza la comunicación con un motivo: destinatario erróneo, ilegible o incompleta.',
      auth: { roles: RECEIVERS },
      params: idParams,
      body: z.strictObject({ reason: z.enum(REJECT_REASONS), detail: text(1000) }),
      responses: { 200: { description: 'Rechazada', schema: communicationOut } },
      async handler(ctx, { params, body }, actor) {
        ctx.body = await s.communications.reject(actor, params.id, body.reason, body.detail);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/communications/:id/receipts/:agency',
      tag: 'comunicaciones',
      summary: 'Descarga el acuse de recibo sellado de un órgano destinatario.',
      auth: { roles: [] },
      params: z.strictObject({ id: z.uuid(), agency: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/) }),
      responses: { 200: { description: 'Acuse de recibo', contentType: 'application/pdf' } },
      async handler(ctx, { params }, actor) {
        const r = await s.communications.receipt(actor, params.id, params.agency);
        ctx.type = 'application/pdf';
        ctx.set('ETag', `"${r.sha256}"`);
        ctx.set('Content-Disposition', contentDisposition(`${r.receiptNumber}.pdf`, 'acuse.pdf'));
        ctx.body = r.body;
      },
    }),
  ];
}
