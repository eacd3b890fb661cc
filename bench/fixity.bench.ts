// Fixity check throughput (MB/s) over objects in the filesystem store, against `sha256sum` of the same object files
// measured in the same run.
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { migrateLatest } from '../server/db/migrations/index.ts';
import { openDatabase } from '../server/db/openDatabase.ts';
import { createLogger } from '../server/logger.ts';
import type { BenchResult } from './BenchResult.ts';
import { benchServices } from './benchServices.ts';

const MB = 1e6;
const MiB = 1024 * 1024;
const CASES = [
  { label: 'many small objects', objects: 2_000, bytes: 64 * 1024 },
  { label: 'few large objects', objects: 16, bytes: 32 * MiB },
];
const RUNS = 3;
const log = createLogger('silent');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(work: () => unknown): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export default async function fixityBench(): Promise<BenchResult> {
  const rows: BenchResult['rows'] = [];
  for (const c of CASES) rows.push(await measure(c));
  return {
    title: 'Fixity check (server/features/fixity)',
    rows,
    notes: [
      'MB/s = 10^6 bytes per second over the bytes of the objects checked. Objects are random bytes in the filesystem store, referenced by document_versions rows (inserted directly, one document) in an in-memory PGlite database.',
      'fixity: a whole run (`runToEnd`, no rate limit): count of keys, store listing for the byte total, keyset pages of keys, a streamed SHA-256 per object, checks recorded in batches of 100 with the cursor.',
      `baseline: coreutils \`sha256sum\` over the same object files (one process, every path as an argument). Each fixity run is paired with a baseline run just before it, after an untimed warm-up of both, so both read from the page cache under the same load; the ratio (fixity MB/s ÷ sha256sum MB/s) is the median of ${RUNS} paired ratios.`,
    ],
  };
}

async function measure(c: (typeof CASES)[number]): Promise<BenchResult['rows'][number]> {
  const work = await mkdtemp(join(tmpdir(), 'legajo-bench-fixity-'));
  const db = await openDatabase({ kind: 'pglite', dataDir: null });
  try {
    await migrateLatest(db.knex);
    const { store, services } = await benchServices(db, work);
    const { agency, admin } = await services.agencies.provision({ principalId: null, agencyId: null, requestId: null }, { code: 'BENCH', name: 'Agencia de benchmark', adminRoles: ['admin'] });
    const [document] = await db.knex('documents')
      .insert({ agency_id: agency.id, identifier: 'DOCU-BENCH-1', title: 'benchmark', access_level: 1, sensitive: false, document_created_at: new Date(), metadata: {}, search_text: 'benchmark', current_version: c.objects, created_by: admin.id })
      .returning('id');
    const body = Buffer.alloc(c.bytes);
    const keys: string[] = [];
    for (let i = 0; i < c.objects; i++) {
      randomFillSync(body);
      const put = await store.put(Readable.from([body]));
      keys.push(put.key);
      await db.knex('document_versions').insert({
        document_id: document.id,
        agency_id: agency.id,
        number: i + 1,
        status: 'final',
        sha256: put.sha256,
        size: put.size,
        media_type: 'application/octet-stream',
        object_key: put.key,
        origin: 'upload',
        created_by: admin.id,
      });
    }
    const total = c.objects * c.bytes;
    const sha256sum = () => {
      const r = spawnSync('sha256sum', keys, { cwd: join(work, 'objects'), maxBuffer: 64 * MiB });
      if (r.status !== 0) throw new Error(`sha256sum falló: ${r.stderr}`);
    };
    const check = async () => {
      const run = await services.fixity.runToEnd('cli', undefined, { log });
      if (run?.objectsChecked !== c.objects || run.mismatches + run.missing !== 0) throw new Error(`verificación inesperada: ${JSON.stringify(run)}`);
    };
    await timed(sha256sum);
    await timed(check);
    const base: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      base.push(await timed(sha256sum));
      ours.push(await timed(check));
    }
    const mbps = (ms: number) => total / MB / (ms / 1000);
    return {
      case: `${c.label}: ${c.objects} × ${c.bytes >= MiB ? `${c.bytes / MiB} MiB` : `${c.bytes / 1024} KiB`}`,
      MB: (total / MB).toFixed(0),
      'fixity MB/s': mbps(median(ours)).toFixed(0),
      'sha256sum MB/s': mbps(median(base)).toFixed(0),
      'ratio to sha256sum': median(ours.map((o, i) => base[i]! / o)).toFixed(2),
    };
  } finally {
    await db.close();
    await rm(work, { recursive: true, force: true });
  }
}
