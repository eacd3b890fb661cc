// Setup for bench/caseFiles.bench.ts: the real services on an on-disk PGlite and the filesystem store, a pool of
// filed documents, and case files whose entries reference that pool.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { caseFileMetadataInput } from '../standards/chile/caseFileMetadata.ts';
import { documentMetadataInput } from '../standards/chile/documentMetadata.ts';
import { migrateLatest } from '../server/db/migrations/index.ts';
import { openDatabase, type Database } from '../server/db/openDatabase.ts';
import { caseFileRepository } from '../server/features/caseFiles/caseFileRepository.ts';
import type { Filed } from '../server/features/documents/documentService.ts';
import type { Actor } from '../server/features/principals/Actor.ts';
import type { Services } from '../server/services.ts';
import type { FilesystemObjectStore } from '../storage/FilesystemObjectStore.ts';
import { benchServices } from './benchServices.ts';

export interface BenchApp {
  db: Database;
  store: FilesystemObjectStore;
  services: Services;
  actor: Actor;
  /** Trust anchors of the dev seal, for checking a sealed index outside the service. */
  anchors: string[];
  close(): Promise<void>;
}

/** A filed document version that entries can reference. */
export interface PoolDocument {
  documentId: string;
  versionId: string;
  sha256: string;
  objectKey: string;
  size: number;
  pages: number;
}

export async function openBenchApp(): Promise<BenchApp> {
  const work = await mkdtemp(join(tmpdir(), 'legajo-bench-casefiles-'));
  let db: Database | null = null;
  try {
    db = await openDatabase({ kind: 'pglite', dataDir: join(work, 'pg') });
    await migrateLatest(db.knex);
    const { store, signing, services } = await benchServices(db, work);
    const { agency, admin } = await services.agencies.provision({ principalId: null, agencyId: null, requestId: null }, { code: 'BENCH', name: 'Banco de pruebas', adminRoles: ['clerk'] });
    const actor: Actor = { principalId: admin.id, agencyId: agency.id, agencyCode: agency.code, roles: ['clerk'], requestId: null };
    const opened = db;
    return {
      db,
      store,
      services,
      actor,
      anchors: signing.trustAnchors,
      async close() {
        await opened.close();
        await rm(work, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await db?.close();
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** A PDF of `pages` pages padded to about `bytes` with an attached random blob, so every one is distinct. */
async function paddedPdf(pages: number, bytes: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) doc.addPage([595, 842]).drawText(`Documento de banco, página ${i}`, { x: 50, y: 780, size: 12, font });
  await doc.attach(randomBytes(bytes), 'relleno.bin', { mimeType: 'application/octet-stream' });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** Files `count` distinct PDFs (1 to 3 pages) through DocumentService.file, as the HTTP edge would after streaming. */
export async function filePool(app: BenchApp, count: number, bytes: number): Promise<PoolDocument[]> {
  const metadata = documentMetadataInput.parse({
    MGDDE1_6: 'Resolución exenta de banco de pruebas',
    MGDDE3_2: ['banco', 'expediente'],
    MGDDE4_1: '2026-11-24T10:00:00Z',
    MGDDE5_1: 36,
    MGDDE5_3: 2,
    MGDDE61_2: 3,
    MGDDE7_1: 1,
    MGDDE7_2: 2,
    MGDDE8_3: 2,
  });
  const pool: PoolDocument[] = [];
  for (let i = 0; i < count; i++) {
    const put = await app.store.put(Readable.from([await paddedPdf(1 + (i % 3), bytes)]));
    const filed = await app.services.documents.file(app.actor, { put, fileName: `doc-${i}.pdf` }, metadata);
    const { document, version } = filed.body as Filed;
    pool.push({ documentId: document.id, versionId: version.id, sha256: version.sha256, objectKey: version.objectKey, size: version.size, pages: version.pageCount ?? 1 });
  }
  return pool;
}

export async function openCaseFile(app: BenchApp): Promise<string> {
  const input = caseFileMetadataInput.parse({
    MGDEE1_5: 'Solicitud de subsidio habitacional (banco de pruebas)',
    MGDEE2_2: 'Postulación al subsidio DS 49',
    MGDEE52: [{ relation: 1, actorType: 4, id: '12.345.678-5', name: 'Juana Pérez Soto' }],
    MGDEE6_1: 1,
    MGDEE6_4: 2,
    MGDEE7_1: 'CPAT-4521',
    MGDEE7_2: 'Subsidio habitacional',
  });
  const opened = await app.services.caseFiles.open(app.actor, input);
  return (opened.body as { caseFile: { iuie: string } }).caseFile.iuie;
}

/** Entry i (from 0) of a bench case file references pool document i mod pool size. */
export const poolDocumentFor = (pool: PoolDocument[], i: number): PoolDocument => pool[i % pool.length]!;

/** Adds one entry through CaseFileService.addEntry, the real path. */
export async function addEntryThroughService(app: BenchApp, iuie: string, doc: PoolDocument): Promise<void> {
  await app.services.caseFiles.addEntry(app.actor, iuie, { kind: 'document', documentId: doc.documentId, version: 1 });
}

/**
 * Setup only: appends entries in one transaction with the rows addEntry would write (order, folios, hash, counts)
 * but without its per-entry audit event and read-back, which nothing measured here reads.
 */
export async function addEntriesDirectly(app: BenchApp, iuie: string, pool: PoolDocument[], from: number, count: number): Promise<void> {
  await app.db.knex.transaction(async (trx) => {
    const c = (await caseFileRepository.findByIuie(trx, app.actor.agencyId, iuie, true))!;
    let folio = c.folioCount;
    const now = new Date();
    for (let i = 0; i < count; i++) {
      const doc = poolDocumentFor(pool, from + i);
      await caseFileRepository.insertEntry(trx, app.actor.agencyId, {
        caseFileId: c.id,
        position: c.entryCount + i + 1,
        kind: 'document',
        versionId: doc.versionId,
        linkUri: null,
        linkDescription: null,
        nestedCaseFileId: null,
        nestedIndexVersion: null,
        sha256: doc.sha256,
        firstFolio: folio + 1,
        lastFolio: folio + doc.pages,
        addedBy: app.actor.principalId,
        incorporatedAt: now,
      });
      folio += doc.pages;
    }
    await caseFileRepository.update(trx, c.id, { entryCount: c.entryCount + count, folioCount: folio });
  });
}
