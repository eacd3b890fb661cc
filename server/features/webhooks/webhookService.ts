import type { Knex } from 'knex';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/Db.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import type { JobQueue } from '../../queue/JobQueue.ts';
import type { JobContext } from '../../queue/Queue.ts';
import { QUEUE_POLICIES } from '../../queue/jobNames.ts';
import { VERSION } from '../../version.ts';
import type { AuditService } from '../audit/auditService.ts';
import type { Actor } from '../principals/Actor.ts';
import { postWebhook } from './postWebhook.ts';
import { checkDestination, dnsResolveHost, type ResolveHost } from './webhookDestination.ts';
import { ALL_EVENTS, isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType, type WebhookSubscription } from './webhookEventTypes.ts';
import { webhookRepository, type DeliveryJob, type DeliveryState, type Webhook, type WebhookDelivery } from './webhookRepository.ts';
import { generateWebhookSecret, webhookSignature } from './webhookSignature.ts';

export interface WebhookSettings {
  /** Outside production, loopback destinations are allowed (a receiver on the developer's machine). */
  env: Config['env'];
  /** One try, from connecting to reading the whole answer. */
  timeoutMs: number;
  resolveHost?: ResolveHost;
}

/** What a try needs of its job: the queue's try count decides when a failure is final. */
export type DeliveryContext = Pick<JobContext, 'log' | 'signal' | 'retryCount' | 'retryLimit'>;

/** A failed try; thrown so the queue retries the job with back-off. */
export class WebhookDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

const NOT_FOUND_WEBHOOK = 'No existe un webhook con ese id en su agencia.';
const NOT_FOUND_DELIVERY = 'No existe una entrega de webhook con ese id en su agencia.';
const isTransaction = (db: Db): db is Knex.Transaction => (db as Knex.Transaction).isTransaction === true;

function subscription(events: readonly string[]): WebhookEventType[] | null {
  const unique = [...new Set(events)];
  const unknown = unique.filter((e) => e !== ALL_EVENTS && !isWebhookEventType(e));
  if (unknown.length) {
    throw new ValidationError(`Tipo de evento desconocido: ${unknown.join(', ')}. Tipos disponibles: ${WEBHOOK_EVENT_TYPES.join(', ')}, o ${ALL_EVENTS} para todos.`, [
      { field: 'body.events', message: `desconocido: ${unknown.join(', ')}` },
    ]);
  }
  if (!unique.length) throw new ValidationError('Indique al menos un tipo de evento, o * para todos.', [{ field: 'body.events', message: 'está vacío' }]);
  if (unique.includes(ALL_EVENTS)) {
    if (unique.length > 1) throw new ValidationError('* ya incluye todos los tipos de evento; no lo combine con otros.', [{ field: 'body.events', message: '* va solo' }]);
    return null;
  }
  return unique as WebhookEventType[];
}

/** Why a try failed, in words an agency's operator can act on. */
function failureReason(err: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `sin respuesta completa en ${timeoutMs} ms`;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'conexión rechazada (ECONNREFUSED)';
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * Webhooks: agencies register endpoints; features emit events inside their own transactions; a job per delivery
 * POSTs the signed event, retried with back-off by the queue until it is delivered or ends in the dead-letter list.
 */
export class WebhookService {
  private readonly allowLoopback: boolean;
  private readonly resolveHost: ResolveHost;

  constructor(
    private readonly knex: Knex,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly jobs: JobQueue,
    private readonly settings: WebhookSettings,
  ) {
    this.allowLoopback = settings.env !== 'production';
    this.resolveHost = settings.resolveHost ?? dnsResolveHost;
  }

  /** Registers an endpoint; the signing secret is returned here and never again. */
  async register(actor: Actor, input: { url: string; events: readonly WebhookSubscription[]; description?: string | null }): Promise<{ webhook: Webhook; secret: string }> {
    const eventTypes = subscription(input.events);
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw new ValidationError('El URL del webhook no es válido.', [{ field: 'body.url', message: 'no es un URL' }]);
    }
    const destination = await checkDestination(url, { allowLoopback: this.allowLoopback, resolve: this.resolveHost });
    if (!destination.ok) throw new ValidationError(`No se puede registrar el webhook: ${destination.reason}.`, [{ field: 'body.url', message: destination.reason }]);
    const secret = generateWebhookSecret();
    return this.knex.transaction(async (trx) => {
      const webhook = await webhookRepository.insert(trx, { agencyId: actor.agencyId, url: url.href, description: input.description ?? null, eventTypes, secret, createdBy: actor.principalId });
      await this.audit.append(trx, {
        agencyId: actor.agencyId,
        actorId: actor.principalId,
        requestId: actor.requestId,
        action: 'webhook.create',
        targetType: 'webhook',
        targetId: webhook.id,
        data: { url: webhook.url, events: webhook.events, description: webhook.description },
      });
      return { webhook, secret };
    });
  }

  list(actor: Actor, afterId: string | undefined, limit: number): Promise<Webhook[]> {
    return webhookRepository.list(this.knex, actor.agencyId, afterId, limit);
  }

  /** Disabling twice is harmless: the second call returns the webhook as it is, without a second audit event. */
  disable(actor: Actor, id: string): Promise<Webhook> {
    return this.knex.transaction(async (trx) => {
      const disabled = await webhookRepository.disable(trx, actor.agencyId, id, this.clock.now());
      if (!disabled) {
        const existing = await webhookRepository.findById(trx, actor.agencyId, id);
        if (!existing) throw new NotFoundError(NOT_FOUND_WEBHOOK);
        return existing;
      }
      await this.audit.append(trx, {
        agencyId: actor.agencyId,
        actorId: actor.principalId,
        requestId: actor.requestId,
        action: 'webhook.disable',
        targetType: 'webhook',
        targetId: id,
      });
      return disabled;
    });
  }

  /**
   * Records an event for the agency and one delivery per active webhook subscribed to its type, and enqueues
   * their jobs, all in the caller's transaction: if it rolls back, nothing was emitted. Returns the event id.
   */
  async emit(trx: Db, agencyId: string, type: WebhookEventType, payload: Record<string, unknown>): Promise<string> {
    if (!isTransaction(trx)) return this.knex.transaction((t) => this.emit(t, agencyId, type, payload));
    if (!isWebhookEventType(type)) throw new Error(`Tipo de evento de webhook desconocido: ${type}. Agréguelo a WEBHOOK_EVENT_TYPES.`);
    // Millisecond precision, as timestamptz keeps it: the occurredAt sent equals the one stored.
    const occurredAt = new Date(this.clock.now().getTime());
    const eventId = await webhookRepository.insertEvent(trx, { agencyId, type, payload, occurredAt });
    const webhookIds = await webhookRepository.subscriberIds(trx, agencyId, type);
    if (webhookIds.length) {
      const deliveryIds = await webhookRepository.insertDeliveries(trx, agencyId, eventId, webhookIds, occurredAt);
      for (const deliveryId of deliveryIds) await this.jobs.enqueue(trx, 'webhook.deliver', { deliveryId });
    }
    return eventId;
  }

  /**
   * One try of a delivery (the webhook.deliver job). A 2xx answer delivers it; any other outcome is recorded and
   * thrown so the queue retries, except on the queue's last try, when the delivery goes to the dead-letter list.
   * A delivery that is no longer pending (delivered, dead, or unknown) is left alone, so a repeated job is harmless.
   */
  async deliver(deliveryId: string, ctx: DeliveryContext): Promise<void> {
    const job = await webhookRepository.forJob(this.knex, deliveryId);
    if (!job || job.state !== 'pending') {
      ctx.log.info({ deliveryId, state: job?.state ?? null }, 'entrega de webhook sin nada que hacer');
      return;
    }
    if (job.webhookDisabledAt) return this.refuse(job, 'el webhook fue deshabilitado antes de la entrega', ctx);
    const url = new URL(job.url);
    const destination = await checkDestination(url, { allowLoopback: this.allowLoopback, resolve: this.resolveHost });
    if (!destination.ok && destination.permanent) return this.refuse(job, `destino rechazado: ${destination.reason}`, ctx);
    if (!destination.ok) return this.failed(job, null, destination.reason, ctx);

    const at = this.clock.now();
    const timestamp = Math.floor(at.getTime() / 1000);
    const body = JSON.stringify({ id: job.eventId, type: job.eventType, occurredAt: job.occurredAt.toISOString(), agency: job.agencyCode, data: job.payload });
    const timeout = AbortSignal.timeout(this.settings.timeoutMs);
    let status: number;
    try {
      status = await postWebhook(url, {
        addresses: destination.addresses,
        body,
        signal: AbortSignal.any([ctx.signal, timeout]),
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': `legajo/${VERSION}`,
          'Legajo-Event-Id': job.eventId,
          'Legajo-Event-Type': job.eventType,
          'Legajo-Timestamp': String(timestamp),
          'Legajo-Signature': webhookSignature(job.secret, timestamp, body),
        },
      });
    } catch (err) {
      return this.failed(job, null, failureReason(err, timeout.aborted, this.settings.timeoutMs), ctx);
    }
    if (status >= 200 && status < 300) {
      await webhookRepository.settle(this.knex, job.id, { state: 'delivered', attempted: true, at, status, error: null, nextAttemptAt: null });
      ctx.log.info({ deliveryId, status }, 'webhook entregado');
      return;
    }
    return this.failed(job, status, `el receptor respondió HTTP ${status}`, ctx);
  }

  deliveries(actor: Actor, filter: { state?: DeliveryState | undefined; beforeSeq?: number | undefined; limit: number }): Promise<WebhookDelivery[]> {
    return webhookRepository.listDeliveries(this.knex, actor.agencyId, filter);
  }

  /** The dead-letter list: deliveries whose tries ran out or whose destination was refused, newest first. */
  deadLetters(actor: Actor, page: { beforeSeq?: number | undefined; limit: number }): Promise<WebhookDelivery[]> {
    return this.deliveries(actor, { ...page, state: 'dead' });
  }

  /** Puts a dead delivery back to pending with a fresh job (and the queue's full set of tries). */
  replay(actor: Actor, deliveryId: string): Promise<WebhookDelivery> {
    return this.knex.transaction(async (trx) => {
      if (!(await webhookRepository.resetDead(trx, actor.agencyId, deliveryId, this.clock.now()))) {
        const existing = await webhookRepository.findDelivery(trx, actor.agencyId, deliveryId);
        if (!existing) throw new NotFoundError(NOT_FOUND_DELIVERY);
        if (existing.state === 'delivered') throw new ConflictError(`La entrega ya fue recibida por el webhook (${existing.deliveredAt?.toISOString()}); no se reenvía.`);
        if (existing.state === 'pending') throw new ConflictError('La entrega está pendiente: la cola la reintentará. Solo se reenvían entregas de la lista de entregas fallidas.');
        throw new ConflictError('El webhook de esta entrega está deshabilitado; registre uno nuevo para recibir eventos futuros.');
      }
      await this.jobs.enqueue(trx, 'webhook.deliver', { deliveryId });
      await this.audit.append(trx, {
        agencyId: actor.agencyId,
        actorId: actor.principalId,
        requestId: actor.requestId,
        action: 'webhook_delivery.replay',
        targetType: 'webhook_delivery',
        targetId: deliveryId,
      });
      const replayed = await webhookRepository.findDelivery(trx, actor.agencyId, deliveryId);
      return replayed!;
    });
  }

  /** Straight to the dead-letter list, without a try: retrying cannot change the outcome. */
  private async refuse(job: DeliveryJob, reason: string, ctx: DeliveryContext): Promise<void> {
    await webhookRepository.settle(this.knex, job.id, { state: 'dead', attempted: false, at: this.clock.now(), status: null, error: reason, nextAttemptAt: null });
    ctx.log.warn({ deliveryId: job.id, reason }, 'entrega de webhook rechazada');
  }

  private async failed(job: DeliveryJob, status: number | null, reason: string, ctx: DeliveryContext): Promise<void> {
    const at = this.clock.now();
    if (ctx.retryCount >= ctx.retryLimit) {
      await webhookRepository.settle(this.knex, job.id, { state: 'dead', attempted: true, at, status, error: reason, nextAttemptAt: null });
      ctx.log.warn({ deliveryId: job.id, reason, tries: ctx.retryCount + 1 }, 'entrega de webhook agotó sus intentos');
      return;
    }
    // The earliest the queue will try again; its back-off adds up to as much again at random.
    const { retryDelay = 1, retryBackoff } = QUEUE_POLICIES['webhook.deliver'];
    const delaySeconds = retryBackoff ? retryDelay * 2 ** ctx.retryCount : retryDelay;
    await webhookRepository.settle(this.knex, job.id, { state: 'pending', attempted: true, at, status, error: reason, nextAttemptAt: new Date(at.getTime() + delaySeconds * 1000) });
    throw new WebhookDeliveryError(`Entrega ${job.id} fallida: ${reason}`);
  }
}

/** The webhook.deliver job handler. */
export function deliverWebhookJob(webhooks: WebhookService): (data: Record<string, unknown>, ctx: DeliveryContext) => Promise<void> {
  return async (data, ctx) => {
    if (typeof data.deliveryId !== 'string') throw new Error('El trabajo webhook.deliver no trae deliveryId.');
    await webhooks.deliver(data.deliveryId, ctx);
  };
}
