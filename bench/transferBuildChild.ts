// Child process of bench/transfers.bench.ts: builds one transfer package from the on-disk PGlite and object store
// under argv[2] and prints JSON with the time and its RSS figures; a process of its own, so the peak belongs to the
// build alone. RSS is sampled (see bench/peakRssPut.ts for why not getrusage). No PDF/A copies: the figure is the
// packaging itself, comparable to tar; converting is Ghostscript's time, not ours.
import os from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../server/clock.ts';
import { openDatabase } from '../server/db/openDatabase.ts';
import { TransferService } from '../server/features/transfers/transferService.ts';
import { noJobQueue } from '../server/queue/JobQueue.ts';
import { benchServices } from './benchServices.ts';
import { measurePeakRss } from './measurePeakRss.ts';

const work = process.argv[2]!;
const transferId = process.argv[3]!;
const xsdDir = process.argv[4]!;
const db = await openDatabase({ kind: 'pglite', dataDir: join(work, 'pg') });
const { store, services } = await benchServices(db, work);
const transfers = new TransferService(db.knex, store, services.audit, systemClock, noJobQueue, { xsdDir, workDir: os.tmpdir(), pdfa: async () => null });

const { seconds, rssBeforeMiB, peakRssMiB } = await measurePeakRss(() => transfers.runBuild(transferId));
const row = await db.knex('transfers').where({ id: transferId }).first('state', 'package_size', 'bytes_total', 'files_total', 'error');
await db.close();
process.stdout.write(JSON.stringify({ seconds, rssBeforeMiB, peakRssMiB, state: row.state, error: row.error, packageBytes: Number(row.package_size), payloadBytes: Number(row.bytes_total), files: row.files_total }) + '\n');
