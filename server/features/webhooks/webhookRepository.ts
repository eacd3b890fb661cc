import type { Db } from '../../db/Db.ts';
import { ALL_EVENTS, type WebhookEventType, type WebhookSubscription } from './webhookEventTypes.ts';

export interface Webhook {
  id: string;
  agencyId: string;
  url: string;
  description: string | null;
  /** `['*']` for every type. */
  events: WebhookSubscription[];
  createdBy: string;
  createdAt: Date;
  disabledAt: Date | null;
}

export const DELIVERY_STATES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface WebhookDelivery {
  id: string;
  /** Creation order: the list cursor. */
  seq: number;
  webhookId: string;
  eventId: string;
  eventType: string;
  state: DeliveryState;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
  deadAt: Date | null;
  createdAt: Date;
}

/** Everything one try needs, in one query. */
export interface DeliveryJob {
  id: string;
  state: DeliveryState;
  eventId: string;
  eventType: string;
  payload: Record<string, unknown>;
  occurredAt: Date;
  agencyCode: string;
  url: string;
  secret: string;
  webhookDisabledAt: Date | null;
}

/** The outcome of a try (or of a refusal to try) written to a pending delivery. */
export interface DeliveryOutcome {
  state: DeliveryState;
  attempted: boolean;
  at: Date;
  status: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
}

interface RawWebhook {
  id: string;
  agency_id: string;
  url: string;
  description: string | null;
  event_types: WebhookEventType[] | null;
  created_by: string;
  created_at: Date;
  disabled_at: Date | null;
}

const toWebhook = (r: RawWebhook): Webhook => ({
  id: r.id,
  agencyId: r.agency_id,
  url: r.url,
  description: r.description,
  events: r.event_types ?? [ALL_EVENTS],
  createdBy: r.created_by,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
});

interface RawDelivery {
  id: string;
  seq: string | number;
  webhook_id: string;
  event_id: string;
  event_type: string;
  state: DeliveryState;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  dead_at: Date | null;
  created_at: Date;
}

const toDelivery = (r: RawDelivery): WebhookDelivery => ({
  id: r.id,
  seq: Number(r.seq),
  webhookId: r.webhook_id,
  eventId: r.event_id,
  eventType: r.event_type,
  state: r.state,
  attempts: r.attempts,
  lastStatus: r.last_status,
  lastError: r.last_error,
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  deliveredAt: r.delivered_at,
  deadAt: r.dead_at,
  createdAt: r.created_at,
});

const deliveries = (db: Db) => db('webhook_deliveries as d').join('webhook_events as e', 'e.id', 'd.event_id').select('d.*', 'e.type as event_type');

export const webhookRepository = {
  async insert(db: Db, w: { agencyId: string; url: string; description: string | null; eventTypes: WebhookEventType[] | null; secret: string; createdBy: string }): Promise<Webhook> {
    const [row] = await db('webhooks')
      .insert({ agency_id: w.agencyId, url: w.url, description: w.description, event_types: w.eventTypes, secret: w.secret, created_by: w.createdBy })
      .returning('*');
    return toWebhook(row);
  },

  async findById(db: Db, agencyId: string, id: string): Promise<Webhook | null> {
    const row = await db('webhooks').where({ agency_id: agencyId, id }).first();
    return row ? toWebhook(row) : null;
  },

  async list(db: Db, agencyId: string, afterId: string | undefined, limit: number): Promise<Webhook[]> {
    const q = db('webhooks').where({ agency_id: agencyId }).orderBy('id').limit(limit);
    if (afterId) q.andWhere('id', '>', afterId);
    return (await q).map(toWebhook);
  },

  /** Disables once; null when the webhook does not exist in the agency or was already disabled. */
  async disable(db: Db, agencyId: string, id: string, at: Date): Promise<Webhook | null> {
    const [row] = await db('webhooks').where({ agency_id: agencyId, id }).whereNull('disabled_at').update({ disabled_at: at }).returning('*');
    return row ? toWebhook(row) : null;
  },

  async insertEvent(db: Db, e: { agencyId: string; type: WebhookEventType; payload: Record<string, unknown>; occurredAt: Date }): Promise<string> {
    const [row] = await db('webhook_events')
      .insert({ agency_id: e.agencyId, type: e.type, payload: JSON.stringify(e.payload), occurred_at: e.occurredAt })
      .returning('id');
    return row.id;
  },

  /** Active webhooks of the agency subscribed to the type, by name or through `*` (stored as null). */
  async subscriberIds(db: Db, agencyId: string, type: WebhookEventType): Promise<string[]> {
    const rows = await db('webhooks')
      .where({ agency_id: agencyId })
      .whereNull('disabled_at')
      .andWhere((q) => q.whereNull('event_types').orWhereRaw('? = ANY(event_types)', [type]))
      .orderBy('id')
      .select('id');
    return rows.map((r) => r.id);
  },

  async insertDeliveries(db: Db, agencyId: string, eventId: string, webhookIds: string[], nextAttemptAt: Date): Promise<string[]> {
    const rows = await db('webhook_deliveries')
      .insert(webhookIds.map((webhookId) => ({ agency_id: agencyId, event_id: eventId, webhook_id: webhookId, next_attempt_at: nextAttemptAt })))
      .returning('id');
    return rows.map((r) => r.id);
  },

  async forJob(db: Db, deliveryId: string): Promise<DeliveryJob | null> {
    const row = await db('webhook_deliveries as d')
      .join('webhook_events as e', 'e.id', 'd.event_id')
      .join('webhooks as w', 'w.id', 'd.webhook_id')
      .join('agencies as a', 'a.id', 'd.agency_id')
      .where('d.id', deliveryId)
      .first('d.id', 'd.state', 'e.id as event_id', 'e.type', 'e.payload', 'e.occurred_at', 'a.code', 'w.url', 'w.secret', 'w.disabled_at');
    if (!row) return null;
    return {
      id: row.id,
      state: row.state,
      eventId: row.event_id,
      eventType: row.type,
      payload: row.payload,
      occurredAt: row.occurred_at,
      agencyCode: row.code,
      url: row.url,
      secret: row.secret,
      webhookDisabledAt: row.disabled_at,
    };
  },

  /** Writes an outcome only while the delivery is pending: a stale or duplicate job cannot undo a later state. */
  async settle(db: Db, id: string, o: DeliveryOutcome): Promise<void> {
    await db('webhook_deliveries')
      .where({ id, state: 'pending' })
      .update({
        state: o.state,
        ...(o.attempted ? { attempts: db.raw('attempts + 1'), last_attempt_at: o.at, last_status: o.status } : {}),
        last_error: o.error,
        next_attempt_at: o.nextAttemptAt,
        ...(o.state === 'delivered' ? { delivered_at: o.at } : {}),
        ...(o.state === 'dead' ? { dead_at: o.at } : {}),
      });
  },

  async findDelivery(db: Db, agencyId: string, id: string): Promise<(WebhookDelivery & { webhookDisabledAt: Date | null }) | null> {
    const row = await deliveries(db).join('webhooks as w', 'w.id', 'd.webhook_id').where({ 'd.agency_id': agencyId, 'd.id': id }).first('w.disabled_at as webhook_disabled_at');
    return row ? { ...toDelivery(row), webhookDisabledAt: row.webhook_disabled_at } : null;
  },

  async listDeliveries(db: Db, agencyId: string, f: { state?: DeliveryState | undefined; beforeSeq?: number | undefined; limit: number }): Promise<WebhookDelivery[]> {
    const q = deliveries(db).where('d.agency_id', agencyId).orderBy('d.seq', 'desc').limit(f.limit);
    if (f.state) q.andWhere('d.state', f.state);
    if (f.beforeSeq !== undefined) q.andWhere('d.seq', '<', f.beforeSeq);
    return (await q).map(toDelivery);
  },

  /** Back to pending for a replay: only a dead delivery whose webhook is still active; false otherwise. */
  async resetDead(db: Db, agencyId: string, id: string, at: Date): Promise<boolean> {
    const n = await db('webhook_deliveries')
      .where({ agency_id: agencyId, id, state: 'dead' })
      .whereIn('webhook_id', db('webhooks').whereNull('disabled_at').select('id'))
      .update({ state: 'pending', dead_at: null, next_attempt_at: at });
    return n > 0;
  },
};
