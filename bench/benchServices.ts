import { join } from 'node:path';
import { systemClock } from '../server/clock.ts';
import type { Database } from '../server/db/openDatabase.ts';
import { openSigning } from '../server/features/signing/openSigning.ts';
import { noJobQueue, type JobQueue } from '../server/queue/JobQueue.ts';
import { createServices } from '../server/services.ts';
import { FilesystemObjectStore } from '../storage/FilesystemObjectStore.ts';

/** The real services a benchmark drives: its database, a filesystem store and a dev seal under `work`, no link fetching. */
export async function benchServices(db: Database, work: string, opts: { jobs?: JobQueue; webhookTimeoutMs?: number } = {}) {
  const store = new FilesystemObjectStore({ root: join(work, 'objects') });
  await store.init();
  const signing = await openSigning({ maxBytes: 50 * 1024 ** 2, seal: { p12Path: join(work, 'pki', 'seal.p12'), password: 'bench', generateIfMissing: true }, trustAnchorFiles: [], firmaGob: null });
  const services = createServices({
    knex: db.knex,
    clock: systemClock,
    store,
    signing,
    documents: { maxUploadBytes: 1024 ** 3, maxPdfPages: 10_000 },
    links: { sha256: async () => null },
    publicBaseUrl: 'http://localhost',
    jobs: opts.jobs ?? noJobQueue,
    webhooks: { env: 'test', timeoutMs: opts.webhookTimeoutMs ?? 10_000 },
  });
  return { store, signing, services };
}
