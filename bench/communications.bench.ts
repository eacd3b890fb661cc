// Official communications to 50 agencies: the send (one inbox event per recipient, written with its webhook delivery
// and its pg-boss job in the send transaction) against the same rows written with plain inserts, the whole
// draft → sign → number → send flow, and the time until every inbox event reached its receiver. Webhook delivery
// through the queue (a burst, and single events on an idle queue) and the delivery handler alone, against the same
// signed POSTs sent straight from the bench with fetch. Real services and a real queue on an on-disk PGlite.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { systemClock } from '../server/clock.ts';
import { deliverWebhookJob, WebhookService } from '../server/features/webhooks/webhookService.ts';
import { webhookSignature } from '../server/features/webhooks/webhookSignature.ts';
import { createLogger } from '../server/logger.ts';
import type { JobQueue } from '../server/queue/JobQueue.ts';
import { VERSION } from '../server/version.ts';
import type { BenchResult } from './BenchResult.ts';
import { draftInput, fileContent, openCommunicationBench, WEBHOOK_TIMEOUT_MS, type CommunicationBench, type TimedReceiver, type WebhookAgency } from './communicationFixture.ts';
import { WORKER_POLICIES } from '../server/queue/jobNames.ts';

const RECIPIENTS = 50;
/** Communications taken through the whole flow and timed, after one untimed warm-up. */
const FLOWS = 12;
/** Communications sent with the workers running, timed until all their inbox events arrived. */
const DELIVERED_COMMUNICATIONS = 2;
/** pg-boss refuses anything below 0.5 s; production runs with the Queue default of 2 s. */
const POLLING_SECONDS = 0.5;
const PRODUCTION_POLLING_SECONDS = 2;
const BURST = 100;
const IDLE_EVENTS = 20;
const HANDLER_EVENTS = 100;

const median = (xs: number[]) => percentile(xs, 0.5);
/** Nearest rank. */
function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done` holds, polling every 10 ms; a bench that never finishes says what it was waiting for. */
async function until(done: () => boolean, what: string, limitMs: number): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`bench: no ocurrió a tiempo: ${what}`);
    await sleep(10);
  }
}

/** Receipt time of each request, by Legajo-Event-Id (the first one: nothing here is retried unless a try failed). */
function receiptsById(r: TimedReceiver): Map<string, number> {
  const byId = new Map<string, number>();
  r.receiver.requests.forEach((req, n) => {
    const id = String(req.headers['legajo-event-id']);
    if (!byId.has(id)) byId.set(id, r.times[n]!);
  });
  return byId;
}

interface SentRow {
  identifier: string;
  registry_number: string;
  type: string;
  subject: string;
}

/** What send writes, with the payload it emits, as plain statements in one transaction: the send baseline. */
async function plainSendWork(app: CommunicationBench, communicationId: string, c: SentRow): Promise<void> {
  await app.db.knex.transaction(async (trx) => {
    const now = new Date();
    await trx('communications').where({ id: communicationId }).update({ state: 'enviado', sent_at: now });
    for (const r of app.recipients) {
      await trx('communication_recipients').where({ communication_id: communicationId, agency_id: r.actor.agencyId }).update({ state: 'enviado' });
      const payload = { communicationId, identifier: c.identifier, registryNumber: c.registry_number, type: c.type, subject: c.subject, sender: app.sender.agencyCode };
      const [event] = await trx('webhook_events').insert({ agency_id: r.actor.agencyId, type: 'communication.inbox', payload: JSON.stringify(payload), occurred_at: now }).returning('id');
      const [delivery] = await trx('webhook_deliveries').insert({ agency_id: r.actor.agencyId, event_id: event.id, webhook_id: r.webhookId, next_attempt_at: now }).returning('id');
      await app.queue.enqueue(trx, 'webhook.deliver', { deliveryId: delivery.id });
    }
  });
}

/** Statements knex sends (pg-boss's included: it writes through knex in the caller's transaction) while `work` runs. */
async function counted<T>(app: CommunicationBench, work: () => Promise<T>): Promise<{ ms: number; statements: number; value: T }> {
  let statements = 0;
  const count = () => statements++;
  app.db.knex.on('query', count);
  try {
    const { ms, value } = await timed(work);
    return { ms, statements, value };
  } finally {
    app.db.knex.off('query', count);
  }
}

/** Draft, sign and number (each step timed); the communication is then ready to send. */
async function prepare(app: CommunicationBench, i: number): Promise<{ id: string; draft: number; sign: number; number: number }> {
  const documentId = await fileContent(app, i);
  const drafted = await timed(() => app.services.communications.draft(app.sender, draftInput(app, documentId, i)));
  const id = (drafted.value.body as { id: string }).id;
  const signed = await timed(() => app.services.communications.sign(app.sender, id, { signer: 'seal', reason: 'Firma de comunicación oficial', signerPost: 'Subsecretaria', visibleStamp: true, purpose: 'Propósito General' }));
  const numbered = await timed(() => app.services.communications.number(app.sender, id, 'Oficina de Partes'));
  return { id, draft: drafted.ms, sign: signed.ms, number: numbered.ms };
}

const INBOX_PAYLOAD = { communicationId: randomUUID(), identifier: 'COM-20261124-000001-EMISOR', registryNumber: '30-2026-000001', type: 'oficio', subject: 'Solicita antecedentes (banco de pruebas 1)', sender: 'EMISOR' };

/** One event to the hook agency in its own transaction; resolves with its id and the time it committed. */
async function emitOne(app: CommunicationBench, service: WebhookService): Promise<{ id: string; committed: number }> {
  const id = await app.db.knex.transaction((trx) => service.emit(trx, app.hook.actor.agencyId, 'communication.inbox', INBOX_PAYLOAD));
  return { id, committed: performance.now() };
}

/** The POST a delivery makes (same body shape and size, same headers, HMAC computed per request), sent with fetch. */
async function postDirectly(hook: WebhookAgency): Promise<{ id: string; started: number }> {
  const id = randomUUID();
  const body = JSON.stringify({ id, type: 'communication.inbox', occurredAt: new Date().toISOString(), agency: hook.actor.agencyCode, data: INBOX_PAYLOAD });
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(hook.timed.receiver.url, {
    method: 'POST',
    body,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': `legajo/${VERSION}`,
      'Legajo-Event-Id': id,
      'Legajo-Event-Type': 'communication.inbox',
      'Legajo-Timestamp': String(timestamp),
      'Legajo-Signature': webhookSignature(hook.secret, timestamp, body),
    },
  });
  await res.text();
  if (res.status !== 200) throw new Error(`bench: el receptor respondió ${res.status}`);
  return { id, started };
}

const fmtMs = (ms: number) => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);
const fmtRate = (perSecond: number) => (perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(2));
/** Two significant digits below 1, so a ratio of 0.002 does not print as 0.00. */
const ratio = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));

export default async function communicationsBench(): Promise<BenchResult> {
  const loadBefore = os.loadavg()[0]!;
  process.stderr.write(`bench: communications, ${RECIPIENTS} recipient agencies with a webhook each\n`);
  const app = await openCommunicationBench({ recipients: RECIPIENTS, pollingIntervalSeconds: POLLING_SECONDS });
  try {
    const rows: BenchResult['rows'] = [];

    // 1. The flow and the send, workers not yet running: their jobs wait in the queue and are dropped below.
    const steps = { draft: [] as number[], sign: [] as number[], number: [] as number[], send: [] as number[], flow: [] as number[] };
    const plain: number[] = [];
    let sendStatements = 0;
    let plainStatements = 0;
    for (let i = 0; i <= FLOWS; i++) {
      process.stderr.write(`bench: communications, flow ${i}/${FLOWS}${i === 0 ? ' (warm-up)' : ''}\n`);
      const prepared = await prepare(app, i);
      const sent = await counted(app, () => app.services.communications.send(app.sender, prepared.id));
      // The same rows again, for the baseline: the recipients' rows of this communication, new events, deliveries and jobs.
      const row = await app.db.knex('communications').where({ id: prepared.id }).first<SentRow>('identifier', 'registry_number', 'type', 'subject');
      const baseline = await counted(app, () => plainSendWork(app, prepared.id, row));
      if (i === 0) continue;
      steps.draft.push(prepared.draft);
      steps.sign.push(prepared.sign);
      steps.number.push(prepared.number);
      steps.send.push(sent.ms);
      steps.flow.push(prepared.draft + prepared.sign + prepared.number + sent.ms);
      plain.push(baseline.ms);
      sendStatements = sent.statements;
      plainStatements = baseline.statements;
    }
    const backlog = app.db.knex('pgboss.job').where({ name: 'webhook.deliver' });
    const dropped = Number((await backlog.clone().count<{ c: string }[]>('* as c'))[0]!.c);
    await backlog.del();
    const [send, flow, base] = [median(steps.send), median(steps.flow), median(plain)];
    rows.push({
      measure: `send (services.communications.send) to ${RECIPIENTS} agencies`,
      n: `${FLOWS} communications`,
      time: fmtMs(send),
      'per second': `${fmtRate(1000 / send)} communications`,
      statements: sendStatements,
      baseline: `one transaction, plain knex: 1 update + ${RECIPIENTS} × (recipient update, event insert, delivery insert, queue.enqueue)`,
      'baseline time': fmtMs(base),
      'baseline statements': plainStatements,
      'time ÷ baseline': ratio(send / base),
    });
    rows.push({
      measure: `whole flow: draft → sign (seal) → number + stamp → send, ${RECIPIENTS} agencies`,
      n: `${FLOWS} communications`,
      time: `${fmtMs(flow)} (draft ${fmtMs(median(steps.draft))} · sign ${fmtMs(median(steps.sign))} · number ${fmtMs(median(steps.number))} · send ${fmtMs(send)})`,
      'per second': `${fmtRate(1000 / flow)} communications`,
      baseline: 'the plain-insert send transaction above',
      'baseline time': fmtMs(base),
      'time ÷ baseline': ratio(flow / base),
    });

    // 2. Sending with the workers running, until every inbox event has reached its agency's receiver.
    process.stderr.write(`bench: communications, ${DELIVERED_COMMUNICATIONS} × ${RECIPIENTS} inbox events through the queue\n`);
    const ready = [];
    for (let i = 0; i < DELIVERED_COMMUNICATIONS; i++) ready.push(await prepare(app, FLOWS + 1 + i));
    await app.startWorkers();
    const sentAt = new Map<string, number>();
    const firstSend = performance.now();
    for (const { id } of ready) {
      await app.services.communications.send(app.sender, id);
      sentAt.set(id, performance.now());
    }
    const inboxReceipts = () =>
      app.recipients.flatMap((r) =>
        r.timed.receiver.requests.flatMap((req, n) => {
          const id = (JSON.parse(req.body) as { data: { communicationId: string } }).data.communicationId;
          return sentAt.has(id) ? [{ communicationId: id, at: r.timed.times[n]! }] : [];
        }),
      );
    const fanOut = DELIVERED_COMMUNICATIONS * RECIPIENTS;
    await until(() => inboxReceipts().length >= fanOut, `${fanOut} eventos communication.inbox entregados`, fanOut * PRODUCTION_POLLING_SECONDS * 1000 + 60_000);
    const fanReceipts = inboxReceipts();
    const fanTime = Math.max(...fanReceipts.map((r) => r.at)) - firstSend;
    const fanLatency = fanReceipts.map((r) => r.at - sentAt.get(r.communicationId)!);

    // 3. Webhook delivery through the queue: single events on an idle queue, then a burst.
    process.stderr.write(`bench: communications, ${IDLE_EVENTS} single events and a burst of ${BURST}\n`);
    const hookReceipts = () => receiptsById(app.hook.timed);
    const idleLatency: number[] = [];
    for (let i = 0; i < IDLE_EVENTS; i++) {
      // A random phase against the worker's polling loop, as an event from a user would have.
      await sleep(Math.random() * POLLING_SECONDS * 1000);
      const e = await emitOne(app, app.services.webhooks);
      await until(() => hookReceipts().has(e.id), `evento ${e.id} entregado`, 60_000);
      idleLatency.push(hookReceipts().get(e.id)! - e.committed);
    }
    const burstStart = performance.now();
    const burst: Array<{ id: string; committed: number }> = [];
    for (let i = 0; i < BURST; i++) burst.push(await emitOne(app, app.services.webhooks));
    const emitMs = (burst.at(-1)!.committed - burstStart) / BURST;
    await until(() => burst.every((e) => hookReceipts().has(e.id)), `${BURST} eventos entregados`, BURST * PRODUCTION_POLLING_SECONDS * 1000 + 60_000);
    const burstReceipts = hookReceipts();
    const burstTime = Math.max(...burst.map((e) => burstReceipts.get(e.id)!)) - burstStart;
    const burstLatency = burst.map((e) => burstReceipts.get(e.id)! - e.committed);
    const retried = await app.db
      .knex('webhook_deliveries')
      .whereIn('event_id', burst.map((e) => e.id))
      .andWhere((q) => q.where('attempts', '>', 1).orWhereNot({ state: 'delivered' }))
      .count<{ c: string }[]>('* as c');

    // 4. The handler alone: the same events, emitted by a WebhookService whose jobs are only recorded, then delivered
    // by calling the job handler in a loop, so no queue paces them.
    process.stderr.write(`bench: communications, the delivery handler alone, ${HANDLER_EVENTS} deliveries\n`);
    const recorded: string[] = [];
    const recorder: JobQueue = {
      async enqueue(_db, _name, data) {
        recorded.push(String(data.deliveryId));
        return null;
      },
    };
    const unqueued = new WebhookService(app.db.knex, app.services.audit, systemClock, recorder, { env: 'test', timeoutMs: WEBHOOK_TIMEOUT_MS });
    const handlerEvents: string[] = [];
    for (let i = 0; i < HANDLER_EVENTS; i++) handlerEvents.push((await emitOne(app, unqueued)).id);
    const handler = deliverWebhookJob(unqueued);
    const ctx = { log: createLogger('silent'), signal: new AbortController().signal, retryCount: 0, retryLimit: 8 };
    const handlerStarts: number[] = [];
    const handlerRun = await timed(async () => {
      for (const deliveryId of recorded) {
        handlerStarts.push(performance.now());
        await handler({ deliveryId }, ctx);
      }
    });
    const afterHandler = hookReceipts();
    const handlerLatency = handlerEvents.map((id, i) => afterHandler.get(id)! - handlerStarts[i]!);

    // 5. Baseline: the same POSTs from the bench, one at a time (the worker's concurrency, see the notes).
    process.stderr.write(`bench: communications, ${BURST} direct POSTs\n`);
    for (let i = 0; i < 10; i++) await postDirectly(app.hook);
    const direct: Array<{ id: string; started: number }> = [];
    const directRun = await timed(async () => {
      for (let i = 0; i < BURST; i++) direct.push(await postDirectly(app.hook));
    });
    const afterDirect = hookReceipts();
    const directLatency = direct.map((d) => afterDirect.get(d.id)! - d.started);
    const directRate = (BURST * 1000) / directRun.ms;
    const [directP50, directP99] = [percentile(directLatency, 0.5), percentile(directLatency, 0.99)];
    const baselineName = 'the same signed POSTs with fetch from the bench, one at a time';

    const deliveryRow = (measure: string, n: string, rate: number | null, latency: number[], time?: number) => {
      const [p50, p99] = [percentile(latency, 0.5), percentile(latency, 0.99)];
      return {
        measure,
        n,
        ...(time === undefined ? {} : { time: fmtMs(time) }),
        ...(rate === null ? {} : { 'per second': `${fmtRate(rate)} deliveries` }),
        'latency p50': fmtMs(p50),
        'latency p99': fmtMs(p99),
        baseline: baselineName,
        ...(rate === null ? {} : { 'baseline per second': `${fmtRate(directRate)} deliveries`, 'rate ÷ baseline': ratio(rate / directRate) }),
        'baseline p50': fmtMs(directP50),
        'baseline p99': fmtMs(directP99),
        'p50 ÷ baseline': ratio(p50 / directP50),
        'p99 ÷ baseline': ratio(p99 / directP99),
      };
    };
    rows.push(deliveryRow(`delivered: every inbox event of ${DELIVERED_COMMUNICATIONS} communications sent back to back (first send → last receipt; latency: send commit → receipt)`, `${fanOut} deliveries`, (fanOut * 1000) / fanTime, fanLatency, fanTime));
    rows.push(deliveryRow(`webhook burst: ${BURST} events emitted back to back to one webhook (first emit → last receipt; latency: emit commit → receipt)`, `${BURST} deliveries`, (BURST * 1000) / burstTime, burstLatency, burstTime));
    rows.push(deliveryRow('webhook, single event on an idle queue (latency: emit commit → receipt)', `${IDLE_EVENTS} deliveries`, null, idleLatency));
    rows.push(deliveryRow('delivery handler alone (deliverWebhookJob called in a loop, no queue; latency: handler start → receipt)', `${HANDLER_EVENTS} deliveries`, (HANDLER_EVENTS * 1000) / handlerRun.ms, handlerLatency, handlerRun.ms));

    return {
      title: 'Official communications: fan-out to 50 agencies and webhook delivery (server/features/communications, server/features/webhooks)',
      rows,
      notes: [
        `Real services on an on-disk PGlite, the filesystem store and the dev seal, with a real pg-boss queue on the same database (Queue.start, pollingIntervalSeconds ${POLLING_SECONDS}, the least pg-boss accepts; production uses the Queue default of ${PRODUCTION_POLLING_SECONDS} s). ${RECIPIENTS} recipient agencies, each with one webhook subscribed to communication.inbox on its own loopback receiver (test/helpers/webhookReceiver.ts, answers 200 at once); a further agency with one webhook takes the delivery measurements. The retry delay is lowered to 1 s as in the tests; no try failed in this run (${retried[0]!.c} burst deliveries retried or undelivered).`,
        `send and flow: medians over ${FLOWS} communications after an untimed warm-up, workers not running (their ${dropped} queued webhook.deliver jobs, baseline ones included, were deleted before the delivery measurements). Each communication: a one-page PDF filed untimed, then draft (${RECIPIENTS} recipients, one signer, no reviewers), sign with the agency seal (PAdES), number and stamp the registry number, send. "statements" counts what knex sent during the call, pg-boss's inserts included.`,
        `send baseline: one transaction with plain knex on the communication just sent: 1 update of the communication, then for each of the ${RECIPIENTS} recipients an update of its communication_recipients row, a webhook_events insert (same payload), a webhook_deliveries insert and queue.enqueue of webhook.deliver (pg-boss send in the transaction), one statement each, as send does. It leaves out what send adds: the idempotency check, locking and re-reading the communication, the recipient list, the subscriber lookup per event, the audit event and the view it returns.`,
        `Deliveries: Queue.work runs webhook.deliver with WORKER_POLICIES (server/queue/jobNames.ts): ${WORKER_POLICIES['webhook.deliver'].workers} workers per process, each fetching up to ${WORKER_POLICIES['webhook.deliver'].batchSize} jobs at once and fetching again at once while batches come back full (pg-boss burstWhenBatchFull); a short batch waits for the next poll. The baseline sends one request at a time. The first run of this bench (the section before this one) found the worker taking one job per poll (1 / pollingInterval deliveries per second: 2/s here, 0.5/s in production), which the worker policies fixed.`,
        `Burst: ${BURST} events emitted one transaction each (${emitMs.toFixed(1)} ms per emit), then waited for; single events: emitted after a random pause of up to one polling interval, each waited for before the next. Handler alone: ${HANDLER_EVENTS} events emitted through a WebhookService whose JobQueue only records the delivery ids, then deliverWebhookJob(service) called for each in turn: the load and checks of the delivery, the signed POST (http.request, a new connection per try) and the settle update, with no queue around it.`,
        `Baseline for deliveries: ${BURST} POSTs to the same receiver with fetch (undici, connection kept alive) after 10 warm-up ones, one after another, with the same body shape and size (~${JSON.stringify({ id: randomUUID(), type: 'communication.inbox', occurredAt: new Date().toISOString(), agency: 'RECEPTOR', data: INBOX_PAYLOAD }).length} bytes) and the same headers, the HMAC computed per request; latency from just before fetch to the receiver reading the whole request. The fan-out row compares with the same baseline (its bodies differ only in the ids and codes).`,
        `1-minute load average ${loadBefore.toFixed(1)} before and ${os.loadavg()[0]!.toFixed(1)} after the run on ${os.cpus().length} cores.`,
      ],
    };
  } finally {
    await app.close();
  }
}
