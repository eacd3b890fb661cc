// Transfer packages (E-ARK SIP in a BagIt tar): build throughput and peak RSS of the building process, for a case
// file of 1,000 documents and for a large one (TRANSFER_BENCH_GIB, 1 GiB by default; 5 for the 5 GB case),
// as a ratio to GNU tar archiving the same document bytes in the same run. Real services on an on-disk PGlite and
// the filesystem store; the build runs in a child process (bench/transferBuildChild.ts) without PDF/A copies.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { migrateLatest } from '../server/db/migrations/index.ts';
import { openDatabase } from '../server/db/openDatabase.ts';
import type { Actor } from '../server/features/principals/Actor.ts';
import { sharedPath } from '../test/helpers/sharedData.ts';
import type { BenchResult } from './BenchResult.ts';
import { benchServices } from './benchServices.ts';
import { addEntriesDirectly, filePool, openCaseFile, poolDocumentFor, type BenchApp } from './caseFileFixture.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const LARGE_GIB = Number(process.env.TRANSFER_BENCH_GIB ?? '1');
const LARGE_DOCUMENT = 32 * MiB;
const SCENARIOS = [
  { label: '1,000 documents of 100 KiB', entries: 1_000, distinct: 200, bytes: 100 * KiB },
  { label: `${LARGE_GIB} GiB (${Math.ceil((LARGE_GIB * 1024 * MiB) / LARGE_DOCUMENT)} documents of 32 MiB)`, entries: Math.ceil((LARGE_GIB * 1024 * MiB) / LARGE_DOCUMENT), distinct: Math.ceil((LARGE_GIB * 1024 * MiB) / LARGE_DOCUMENT), bytes: LARGE_DOCUMENT },
];

async function readAll(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

/** A closed case file of `entries` documents and a transfer of it, in a database left closed for the child. */
async function prepare(work: string, s: (typeof SCENARIOS)[number]) {
  const db = await openDatabase({ kind: 'pglite', dataDir: join(work, 'pg') });
  await migrateLatest(db.knex);
  const { store, signing, services } = await benchServices(db, work, { jobs: { enqueue: async () => null } });
  const { agency, admin } = await services.agencies.provision({ principalId: null, agencyId: null, requestId: null }, { code: 'BENCH', name: 'Banco de pruebas', adminRoles: ['clerk', 'archivist'] });
  const actor: Actor = { principalId: admin.id, agencyId: agency.id, agencyCode: agency.code, roles: ['clerk', 'archivist'], requestId: null };
  const app: BenchApp = { db, store, services, actor, anchors: signing.trustAnchors, close: () => db.close() };
  process.stderr.write(`  transfers: filing ${s.distinct} documents for ${s.label}\n`);
  const pool = await filePool(app, s.distinct, s.bytes);
  const iuie = await openCaseFile(app);
  await addEntriesDirectly(app, iuie, pool, 0, s.entries);
  await services.caseFiles.close(actor, iuie);
  const transfer = await db.knex.transaction((trx) => services.transfers.createTransfer(trx, actor, { caseFiles: [iuie] }));
  // The tar baseline reads the same bytes through one link per package entry.
  const tarInput = join(work, 'tar-input');
  let documentBytes = 0;
  for (let i = 0; i < s.entries; i++) {
    const doc = poolDocumentFor(pool, i);
    const link = join(tarInput, 'documentos', `${String(i + 1).padStart(6, '0')}.pdf`);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(work, 'objects', doc.objectKey), link);
    documentBytes += doc.size;
  }
  await db.close();
  return { transferId: transfer.id, documentBytes, tarInput };
}

async function buildInChild(work: string, transferId: string) {
  const script = fileURLToPath(new URL('./transferBuildChild.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, work, transferId, sharedPath('xsd')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [output, code] = await Promise.all([readAll(child.stdout!), new Promise<number | null>((resolve) => child.once('exit', resolve))]);
  if (code !== 0) throw new Error(`transferBuildChild exited with ${code}`);
  const figures = JSON.parse(output) as { seconds: number; rssBeforeMiB: number; peakRssMiB: number; state: string; error: string | null; packageBytes: number; files: number };
  if (figures.state !== 'ready') throw new Error(`the bench transfer ended ${figures.state}: ${figures.error}`);
  return figures;
}

function tarSeconds(work: string, tarInput: string): number {
  const started = performance.now();
  const r = spawnSync('tar', ['--dereference', '--hard-dereference', '-cf', join(work, 'baseline.tar'), '-C', tarInput, '.']);
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  return (performance.now() - started) / 1000;
}

export default async function transfersBench(): Promise<BenchResult> {
  const rows: BenchResult['rows'] = [];
  for (const s of SCENARIOS) {
    const work = await mkdtemp(join(tmpdir(), 'legajo-bench-transfers-'));
    try {
      const { transferId, documentBytes, tarInput } = await prepare(work, s);
      process.stderr.write(`  transfers: building ${s.label}\n`);
      const build = await buildInChild(work, transferId);
      const tar = tarSeconds(work, tarInput);
      const tarBytes = (await stat(join(work, 'baseline.tar'))).size;
      const mibps = documentBytes / MiB / build.seconds;
      const tarMibps = documentBytes / MiB / tar;
      rows.push({
        case: s.label,
        'document bytes': `${(documentBytes / MiB).toFixed(0)} MiB`,
        'package files': build.files,
        'package (tar)': `${(build.packageBytes / MiB).toFixed(0)} MiB`,
        'build s': build.seconds.toFixed(2),
        'build MiB/s': mibps.toFixed(1),
        'tar MiB/s': tarMibps.toFixed(1),
        'ratio to tar': (mibps / tarMibps).toFixed(2),
        'peak RSS MiB': build.peakRssMiB.toFixed(0),
        'RSS before MiB': build.rssBeforeMiB.toFixed(0),
        'tar output MiB': (tarBytes / MiB).toFixed(0),
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return {
    title: 'Transfer packages: build throughput and peak RSS against tar',
    rows,
    notes: [
      'build = TransferService.runBuild in a child process: gathers the records and events, writes every METS/PREMIS/descriptive file, streams each document from the filesystem store through SHA-256 + SHA-512 into the tar, checks each hash against the record, writes the BagIt manifests last, and puts the tar into the store (hashing it again); no PDF/A copies (Ghostscript time is not packaging time).',
      'tar = GNU `tar --dereference --hard-dereference -cf` of the same document bytes, through one symlink per package entry (so a document carried by several entries is read again each time, as the build does), in the same run; throughput counts document bytes only for both. tar neither hashes nor fsyncs; the build hashes every byte three times (SHA-256 checked against the record, SHA-512 for the manifest, SHA-256 of the whole tar by the content-addressed store) and the store fsyncs the package.',
      `The large case ran with TRANSFER_BENCH_GIB=${LARGE_GIB} (set TRANSFER_BENCH_GIB=5 for the issue's 5 GB case).`,
      'Peak RSS is sampled every 5 ms in the building process (see bench/peakRssPut.ts).',
    ],
  };
}
