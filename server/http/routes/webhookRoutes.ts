import { z } from 'zod';
import { DELIVERY_STATES, type WebhookDelivery } from '../../features/webhooks/webhookRepository.ts';
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from '../../features/webhooks/webhookEventTypes.ts';
import type { Services } from '../../services.ts';
import { decodeCursor, toPage } from '../pagination.ts';
import { defineRoute, idParams, pageQuery, type RouteDef } from '../route.ts';
import { pageOf } from '../schemas.ts';

const timestamp = z.iso.datetime();

const webhookOut = z
  .object({
    id: z.uuid(),
    agencyId: z.uuid(),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.string()).describe('Tipos de evento suscritos; ["*"] = todos'),
    createdBy: z.uuid(),
    createdAt: timestamp,
    disabledAt: timestamp.nullable(),
  })
  .meta({ id: 'Webhook' });

const registeredWebhookOut = z
  .object({
    webhook: webhookOut,
    secret: z.string().describe('Clave HMAC-SHA256 de Legajo-Signature. Se muestra una sola vez; guárdela en un lugar seguro.'),
  })
  .meta({ id: 'RegisteredWebhook' });

const deliveryOut = z
  .object({
    id: z.uuid(),
    webhookId: z.uuid(),
    eventId: z.uuid().describe('El Legajo-Event-Id que recibe el receptor'),
    eventType: z.string(),
    state: z.enum(DELIVERY_STATES),
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: timestamp.nullable().describe('Lo más temprano que la cola volverá a intentar'),
    lastAttemptAt: timestamp.nullable(),
    deliveredAt: timestamp.nullable(),
    deadAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'WebhookDelivery' });

const eventName = z.enum([ALL_EVENTS, ...WEBHOOK_EVENT_TYPES], { error: `tipo de evento desconocido; use ${WEBHOOK_EVENT_TYPES.join(', ')} o ${ALL_EVENTS}` });

/** The sequence number is only the list cursor. */
const deliveryView = ({ seq: _seq, ...delivery }: WebhookDelivery) => delivery;

/** Webhooks: endpoints of agency systems that receive signed event notifications, and their deliveries. */
export function webhookRoutes(s: Services): RouteDef[] {
  const admin = { roles: ['admin'] as const };
  const readers = { roles: ['admin', 'auditor'] as const };
  const deliveryPage = async (rows: Promise<WebhookDelivery[]>, limit: number) => {
    const page = toPage(await rows, limit, (d) => String(d.seq));
    return { items: page.items.map(deliveryView), nextCursor: page.nextCursor };
  };
  const beforeSeq = (cursor: string | undefined) => {
    const decoded = decodeCursor(cursor, 'int');
    return decoded === undefined ? undefined : Number(decoded);
  };
  return [
    defineRoute({
      method: 'post',
      path: '/v1/webhooks',
      tag: 'webhooks',
      summary: 'Registra un webhook de la agencia; el secreto de la firma se muestra una sola vez.',
      auth: admin,
      body: z.strictObject({
        url: z.url({ protocol: /^https?$/, error: 'debe ser un URL http o https' }).max(2000),
        events: z.array(eventName).min(1).max(WEBHOOK_EVENT_TYPES.length + 1),
        description: z.string().trim().min(1).max(300).optional(),
      }),
      responses: { 201: { description: 'Webhook registrado', schema: registeredWebhookOut } },
      async handler(ctx, { body }, actor) {
        const registered = await s.webhooks.register(actor, body);
        ctx.status = 201;
        ctx.set('Cache-Control', 'no-store');
        ctx.body = registered;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/webhooks',
      tag: 'webhooks',
      summary: 'Lista los webhooks de la agencia (sin el secreto).',
      auth: readers,
      query: z.strictObject(pageQuery),
      responses: { 200: { description: 'Página de webhooks', schema: pageOf(webhookOut) } },
      async handler(ctx, { query }, actor) {
        const rows = await s.webhooks.list(actor, decodeCursor(query.cursor, 'uuid'), query.limit + 1);
        ctx.body = toPage(rows, query.limit, (w) => w.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/webhooks/:id/disable',
      tag: 'webhooks',
      summary: 'Deshabilita un webhook: no recibe eventos nuevos y sus entregas pendientes pasan a fallidas. Repetir la llamada no cambia nada.',
      auth: admin,
      params: idParams,
      responses: { 200: { description: 'Webhook deshabilitado', schema: webhookOut } },
      async handler(ctx, { params }, actor) {
        ctx.body = await s.webhooks.disable(actor, params.id);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/webhooks/dead-letters',
      tag: 'webhooks',
      summary: 'Lista las entregas fallidas (intentos agotados o destino rechazado), las más recientes primero.',
      auth: readers,
      query: z.strictObject(pageQuery),
      responses: { 200: { description: 'Página de entregas fallidas', schema: pageOf(deliveryOut) } },
      async handler(ctx, { query }, actor) {
        ctx.body = await deliveryPage(s.webhooks.deadLetters(actor, { beforeSeq: beforeSeq(query.cursor), limit: query.limit + 1 }), query.limit);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/webhooks/deliveries',
      tag: 'webhooks',
      summary: 'Lista las entregas de eventos a los webhooks de la agencia, las más recientes primero, por estado.',
      auth: readers,
      query: z.strictObject({ ...pageQuery, state: z.enum(DELIVERY_STATES).optional() }),
      responses: { 200: { description: 'Página de entregas', schema: pageOf(deliveryOut) } },
      async handler(ctx, { query }, actor) {
        ctx.body = await deliveryPage(s.webhooks.deliveries(actor, { state: query.state, beforeSeq: beforeSeq(query.cursor), limit: query.limit + 1 }), query.limit);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/webhooks/deliveries/:id/replay',
      tag: 'webhooks',
      summary: 'Reenvía una entrega fallida: vuelve a pendiente con un nuevo ciclo de intentos (409 si ya fue entregada o sigue pendiente).',
      auth: admin,
      params: idParams,
      responses: { 202: { description: 'Entrega de nuevo pendiente', schema: deliveryOut } },
      async handler(ctx, { params }, actor) {
        ctx.status = 202;
        ctx.body = deliveryView(await s.webhooks.replay(actor, params.id));
      },
    }),
  ];
}
