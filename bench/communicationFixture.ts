// Setup for bench/communications.bench.ts: the real services on an on-disk PGlite, the filesystem store and the dev
// seal, wired to a real pg-boss queue on the same database; a sending agency, recipient agencies each with a webhook
// on its own loopback receiver, and one more agency whose single webhook takes a stream of events.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { documentMetadataInput } from '../standards/chile/documentMetadata.ts';
import { migrateLatest } from '../server/db/migrations/index.ts';
import { openDatabase, type Database } from '../server/db/openDatabase.ts';
import type { DraftInput } from '../server/features/communications/communicationService.ts';
import type { Filed } from '../server/features/documents/documentService.ts';
import type { Actor } from '../server/features/principals/Actor.ts';
import type { Role } from '../server/features/principals/roles.ts';
import type { WebhookSubscription } from '../server/features/webhooks/webhookEventTypes.ts';
import { deliverWebhookJob } from '../server/features/webhooks/webhookService.ts';
import { createLogger } from '../server/logger.ts';
import { Queue } from '../server/queue/Queue.ts';
import type { Services } from '../server/services.ts';
import type { FilesystemObjectStore } from '../storage/FilesystemObjectStore.ts';
import { validMetadata } from '../test/helpers/documentMetadata.ts';
import { makePdf } from '../test/helpers/pdfs.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../test/helpers/webhookReceiver.ts';
import { benchServices } from './benchServices.ts';
import { jobHandlers } from '../test/helpers/jobHandlers.ts';

export const WEBHOOK_TIMEOUT_MS = 10_000;

/** A loopback receiver that also notes when each request was read in full (performance.now()). */
export interface TimedReceiver {
  receiver: WebhookReceiver;
  /** Receipt time of request n (from 0), parallel to receiver.requests. */
  times: number[];
}

export interface WebhookAgency {
  actor: Actor;
  webhookId: string;
  /** The webhook's signing secret, for sending the same signed requests from outside the service. */
  secret: string;
  timed: TimedReceiver;
}

export interface CommunicationBench {
  db: Database;
  store: FilesystemObjectStore;
  services: Services;
  queue: Queue;
  /** Drafts, signs, numbers and sends: one principal holding clerk, signer and records_officer. */
  sender: Actor;
  recipients: WebhookAgency[];
  /** One agency with one webhook subscribed to every event type, for the delivery measurements. */
  hook: WebhookAgency;
  /** Starts the queue's workers (webhook.deliver runs the real handler); until then jobs only accumulate. */
  startWorkers(): Promise<void>;
  close(): Promise<void>;
}

const actorOf = (agencyId: string, agencyCode: string, principalId: string, roles: Role[]): Actor => ({ agencyId, agencyCode, principalId, roles, requestId: null });

async function timedReceiver(): Promise<TimedReceiver> {
  const times: number[] = [];
  const receiver = await startWebhookReceiver((n) => {
    times[n] = performance.now();
    return 200;
  });
  return { receiver, times };
}

async function webhookAgency(services: Services, code: string, events: WebhookSubscription[]): Promise<WebhookAgency> {
  const { agency, admin } = await services.agencies.provision({ principalId: null, agencyId: null, requestId: null }, { code, name: `Agencia ${code}`, adminRoles: ['admin'] });
  const actor = actorOf(agency.id, code, admin.id, ['admin']);
  const timed = await timedReceiver();
  const { webhook, secret } = await services.webhooks.register(actor, { url: timed.receiver.url, events, description: 'Oficina de partes (banco de pruebas)' });
  return { actor, webhookId: webhook.id, secret, timed };
}

export async function openCommunicationBench(opts: { recipients: number; pollingIntervalSeconds: number }): Promise<CommunicationBench> {
  const work = await mkdtemp(join(tmpdir(), 'legajo-bench-communications-'));
  const log = createLogger('silent');
  const receivers: WebhookReceiver[] = [];
  let db: Database | null = null;
  let queue: Queue | null = null;
  try {
    db = await openDatabase({ kind: 'pglite', dataDir: join(work, 'pg') });
    await migrateLatest(db.knex);
    queue = await Queue.start(db, log, { pollingIntervalSeconds: opts.pollingIntervalSeconds });
    // Production waits a minute and more before a retry; a failed try here should cost a second, not the bench.
    await db.knex('pgboss.queue').where({ name: 'webhook.deliver' }).update({ retry_delay: 1, retry_backoff: false });
    const { store, services } = await benchServices(db, work, { jobs: queue, webhookTimeoutMs: WEBHOOK_TIMEOUT_MS });
    const senderRoles: Role[] = ['clerk', 'signer', 'records_officer'];
    const provisioned = await services.agencies.provision({ principalId: null, agencyId: null, requestId: null }, { code: 'EMISOR', name: 'Subsecretaría remitente', adminRoles: senderRoles });
    const sender = actorOf(provisioned.agency.id, 'EMISOR', provisioned.admin.id, senderRoles);
    const recipients: WebhookAgency[] = [];
    for (let i = 1; i <= opts.recipients; i++) {
      const r = await webhookAgency(services, `DEST${String(i).padStart(3, '0')}`, ['communication.inbox']);
      receivers.push(r.timed.receiver);
      recipients.push(r);
    }
    const hook = await webhookAgency(services, 'RECEPTOR', ['*']);
    receivers.push(hook.timed.receiver);
    const [openedDb, startedQueue] = [db, queue];
    return {
      db,
      store,
      services,
      queue,
      sender,
      recipients,
      hook,
      startWorkers: () => startedQueue.work(jobHandlers({ 'webhook.deliver': deliverWebhookJob(services.webhooks) })),
      async close() {
        await startedQueue.stop(5_000);
        for (const r of receivers) await r.close();
        await openedDb.close();
        await rm(work, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await queue?.stop(5_000);
    for (const r of receivers) await r.close();
    await db?.close();
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** Files a one-page PDF with a tipo documental (numbering needs one), as the content of a communication. */
export async function fileContent(app: CommunicationBench, i: number): Promise<string> {
  const put = await app.store.put(Readable.from([await makePdf(1, `Oficio de banco de pruebas ${i}`)]));
  const filed = await app.services.documents.file(app.sender, { put, fileName: `oficio-${i}.pdf` }, documentMetadataInput.parse(validMetadata({ MGDDE5_1: 30 })));
  return (filed.body as Filed).document.id;
}

/** A communication from the sender to every recipient agency, one signer (the sender's principal), no reviewers. */
export function draftInput(app: CommunicationBench, documentId: string, i: number): DraftInput {
  return {
    type: 'oficio',
    classification: 'SERIE-OF-2026',
    subject: `Solicita antecedentes (banco de pruebas ${i})`,
    sender: { authority: 'Juana Pérez Soto', post: 'Subsecretaria' },
    recipients: app.recipients.map((r) => ({ agencyCode: r.actor.agencyCode, persons: [{ name: 'Jefatura de la oficina de partes', post: 'Jefe de División' }] })),
    content: { documentId, version: 1 },
    annexes: [],
    reviewers: [],
    signers: [app.sender.principalId],
  };
}
