import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { sweepOrphans } from '../storage/sweepOrphans.ts';
import type { ObjectStore } from '../storage/ObjectStore.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { migrateLatest } from './db/migrations/index.ts';
import { openDatabase, type Database } from './db/openDatabase.ts';
import { referencedObjectKeys } from './features/objects/referencedObjectKeys.ts';
import { createApp } from './http/createApp.ts';
import type { Logger } from './logger.ts';
import { openObjectStore } from './openObjectStore.ts';
import { openSigning } from './features/signing/openSigning.ts';
import { fetchLinkHasher } from './features/caseFiles/fetchLinkHasher.ts';
import { dnsResolveHost } from './features/webhooks/webhookDestination.ts';
import type { JobHandlers } from './queue/Queue.ts';
import { Queue } from './queue/Queue.ts';
import { noJobQueue } from './queue/JobQueue.ts';
import { createServices, type Services } from './services.ts';
import { deliverWebhookJob } from './features/webhooks/webhookService.ts';
import { DEFAULT_DIGITIZATION_SETTINGS, ocrBatchJob } from './features/digitizations/digitizationService.ts';
import { textExtractJob } from './features/search/textExtractionService.ts';
import { lazyOcrEngine } from './features/digitizations/lazyOcrEngine.ts';
import { createTesseractEngine } from '../ocr-worker/engine/tesseractEngine.ts';
import { VERSION } from './version.ts';
import { webSetup } from './web/webSetup.ts';
import { objectKey } from '../storage/objectKey.ts';
import { DEFAULT_FIXITY_SETTINGS, fixityCheckJob } from './features/fixity/fixityService.ts';
import { dispositionRunJob } from './features/archive/dispositionService.ts';
import { transferBuildJob } from './features/transfers/transferService.ts';

const PROBE_KEY = objectKey('0'.repeat(64));

/** The adapters and services one process needs, opened in dependency order and closed in reverse. */
export interface Runtime {
  config: Config;
  log: Logger;
  clock: Clock;
  database: Database;
  store: ObjectStore;
  services: Services;
  /** The job queue, when this process runs one (start, serve, worker); one-shot commands have none. */
  queue: Queue | null;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, log: Logger, clock: Clock = systemClock, opts: { queue?: boolean } = {}): Promise<Runtime> {
  const database = await openDatabase(config.database);
  let queue: Queue | null = null;
  // Only a process with a queue can run OCR jobs; the engine itself starts with the first page.
  const ocr = opts.queue ? lazyOcrEngine(() => createTesseractEngine({ workers: os.availableParallelism() })) : undefined;
  try {
    const applied = await migrateLatest(database.knex);
    if (applied.length) log.info({ migrations: applied }, 'migraciones aplicadas');
    const store = await openObjectStore(config.storage);
    const signing = await openSigning(config.signing);
    // Services enqueue in their own transactions, so the queue opens before them.
    if (opts.queue) queue = await Queue.start(database, log);
    return {
      config,
      log,
      clock,
      database,
      store,
      services: createServices({
        knex: database.knex,
        clock,
        store,
        signing,
        documents: config.documents,
        links: fetchLinkHasher(config.linkFetch, log, { allowLoopback: config.env !== 'production', resolve: dnsResolveHost }),
        publicBaseUrl: config.publicBaseUrl,
        jobs: queue ?? noJobQueue,
        webhooks: { env: config.env, timeoutMs: config.webhooks.timeoutMs },
        ...(ocr ? { ocr } : {}),
        digitization: { ...DEFAULT_DIGITIZATION_SETTINGS, ...config.ocr },
        fixity: { ...DEFAULT_FIXITY_SETTINGS, maxBytesPerSecond: config.fixity.maxBytesPerSecond },
        archive: config.archive,
        sessionTtlMs: config.web.sessionTtlMs,
      }),
      queue,
      close: async () => {
        await queue?.stop(0);
        await ocr?.close();
        await database.close();
      },
    };
  } catch (err) {
    await queue?.stop(0);
    await database.close();
    throw err;
  }
}

export function jobHandlers(rt: Runtime): JobHandlers {
  return {
    'storage.sweep': async (_data, { log }) => {
      const result = await sweepOrphans({
        store: rt.store,
        isReferenced: (keys) => referencedObjectKeys(rt.database.knex, keys),
        graceMs: rt.config.sweep.graceMs,
        now: rt.clock.now(),
      });
      log.info({ result }, 'barrido de objetos sin referencia');
    },
    'webhook.deliver': deliverWebhookJob(rt.services.webhooks),
    'ocr.batch': ocrBatchJob(rt.services.digitizations),
    'text.extract': textExtractJob(rt.services.textExtraction),
    'fixity.check': fixityCheckJob(rt.services.fixity),
    'disposition.run': dispositionRunJob(rt.services.dispositions),
    'transfer.build': transferBuildJob(rt.services.transfers),
  };
}

export interface Running {
  url: string | null;
  stop(): Promise<void>;
}

/**
 * Runs the API and/or the workers. On SIGTERM/SIGINT: stop accepting requests, let in-flight requests and
 * running jobs finish (bounded by SHUTDOWN_TIMEOUT_MS), then close the database.
 */
export async function runService(rt: Runtime, roles: { api: boolean; worker: boolean }): Promise<Running> {
  const { config, log } = rt;
  const queue = rt.queue;
  if (!queue) throw new Error('runService necesita un runtime abierto con cola (openRuntime(..., { queue: true })).');
  let server: http.Server | null = null;
  try {
    if (roles.worker) {
      await queue.work(jobHandlers(rt));
      await queue.schedule('storage.sweep', config.sweep.cron);
      await queue.schedule('fixity.check', config.fixity.cron);
    }
    if (roles.api) {
      const app = createApp({
        log,
        knex: rt.database.knex,
        services: rt.services,
        store: rt.store,
        documentLimits: config.documents,
        jsonBodyLimit: config.http.jsonBodyLimit,
        version: VERSION,
        verifyRateLimit: config.verifyRateLimit,
        clock: rt.clock,
        web: await webSetup(config.web, config.publicBaseUrl, rt.database.knex),
        readiness: {
          database: async () => void (await rt.database.knex.raw('select 1')),
          // Any answer, even "not found", proves the store is reachable.
          objectStore: async () => void (await rt.store.stat(PROBE_KEY)),
        },
      });
      server = http.createServer(app.callback());
      server.requestTimeout = 0; // uploads of large files must not be cut by Node's default 5 minutes
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.http.port, config.http.host, resolve);
      });
    }
  } catch (err) {
    await queue.stop(0);
    throw err;
  }
  const address = server?.address() as AddressInfo | null;
  const url = address ? `http://${address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.address}:${address.port}` : null;
  log.info({ url, api: roles.api, worker: roles.worker, database: rt.database.kind, storage: config.storage.kind }, 'legajo en marcha');

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('deteniendo: se terminan las solicitudes y trabajos en curso');
      const closed = server ? new Promise<void>((resolve) => server!.close(() => resolve())) : Promise.resolve();
      server?.closeIdleConnections();
      await Promise.all([closed, queue.stop(config.http.shutdownTimeoutMs)]);
      await rt.close();
      log.info('detenido');
    })());
  return { url, stop };
}
