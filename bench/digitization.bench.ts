// Peak memory of a 300-page digitization: a 300 dpi multi-page TIFF goes through intake over HTTP and through the OCR
// job, in a child process of its own (as bench/peakRssPut.ts does, for figures that belong to this batch alone),
// with the recognition stubbed: Tesseract's workers cost the same whatever the batch size, while the pipeline around
// them (page decoding, the searchable PDF) is what used to grow with the number of pages.
import { spawn } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { OcrEngine } from '../ocr-worker/engine/OcrEngine.ts';
import { systemClock } from '../server/clock.ts';
import { migrateLatest } from '../server/db/migrations/index.ts';
import { openDatabase } from '../server/db/openDatabase.ts';
import { DEFAULT_DIGITIZATION_SETTINGS } from '../server/features/digitizations/digitizationService.ts';
import { createApp } from '../server/http/createApp.ts';
import { openSigning } from '../server/features/signing/openSigning.ts';
import { createLogger } from '../server/logger.ts';
import { createServices } from '../server/services.ts';
import { FilesystemObjectStore } from '../storage/FilesystemObjectStore.ts';
import { renderTextPage } from '../test/ocr/renderFixture.ts';
import type { BenchResult } from './BenchResult.ts';

const PAGES = 300;
const DPI = 300;
/** Distinct rendered pages, cycled: each page is compressed on its own, so the file is as large as a real batch. */
const DISTINCT = 10;
const MiB = 1024 * 1024;

export default async function digitizationBench(): Promise<BenchResult> {
  const work = await mkdtemp(join(tmpdir(), 'legajo-bench-digit-'));
  try {
    const tiff = join(work, 'lote.tif');
    const page = await writeBatchTiff(tiff);
    const size = (await stat(tiff)).size;
    process.stderr.write(`  digitization: ${PAGES}-page TIFF of ${(size / MiB).toFixed(1)} MiB written; starting child process\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'child', work, tiff], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    for await (const chunk of child.stdout) chunks.push(chunk as Buffer);
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
    if (code !== 0) throw new Error(`el proceso hijo de digitización terminó con ${code}`);
    const f = JSON.parse(Buffer.concat(chunks).toString()) as Figures;
    const decodedMiB = (page.width * page.height * PAGES) / MiB;
    return {
      title: `Digitalización: memoria de un lote de ${PAGES} páginas`,
      rows: [
        {
          input: `TIFF ${PAGES} pág. ${page.width}×${page.height} px (${DPI} dpi, gris, deflate)`,
          'input MiB': (size / MiB).toFixed(1),
          'decoded pages MiB': decodedMiB.toFixed(0),
          'RSS before MiB': f.rssBeforeMiB.toFixed(0),
          'peak RSS intake MiB': f.intakePeakMiB.toFixed(0),
          'intake s': f.intakeSeconds.toFixed(1),
          'peak RSS job MiB': f.jobPeakMiB.toFixed(0),
          'job s': f.jobSeconds.toFixed(1),
          'searchable PDF MiB': f.pdfMiB.toFixed(1),
        },
      ],
      notes: [
        'Child process, RSS sampled every 5 ms; intake over HTTP (multipart, PGlite in memory, filesystem store), then the ocr.batch job run in the same process.',
        'OCR stubbed (two words per page): the figure is the pipeline’s memory (reading the scan, one page decoded per runner, the searchable PDF built from compressed pages), not Tesseract’s, which is per worker and does not grow with the batch.',
        '"decoded pages MiB" is what holding every page decoded (8-bit grey) would cost: the memory the lazy loading avoids.',
      ],
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

interface Figures {
  rssBeforeMiB: number;
  intakePeakMiB: number;
  intakeSeconds: number;
  jobPeakMiB: number;
  jobSeconds: number;
  pdfMiB: number;
}

/**
 * A multi-page greyscale TIFF written strip by strip (one Deflate strip per page), so producing it never holds more
 * than one page: libvips' own multi-page writer would need every page decoded at once.
 */
async function writeBatchTiff(file: string): Promise<{ width: number; height: number }> {
  const pages = await Promise.all(
    Array.from({ length: DISTINCT }, async (_, n) => {
      const lines = Array.from({ length: 40 }, (_, l) => `Foja ${n + 1}, línea ${l + 1}: solicitud de certificado de residencia ante la Municipalidad.`);
      const { data, info } = await sharp(await renderTextPage(lines, { dpi: DPI, pointSize: 11 })).flatten({ background: '#ffffff' }).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      return { strip: deflateSync(data), width: info.width, height: info.height };
    }),
  );
  const out = await open(file, 'w');
  try {
    let offset = 8;
    const write = async (bytes: Buffer) => {
      await out.write(bytes, 0, bytes.length, offset);
      offset += bytes.length;
    };
    const header = Buffer.alloc(8);
    header.write('II*\0', 0, 'latin1');
    await out.write(header, 0, 8, 0);
    let previousNext = 4;
    for (let p = 0; p < PAGES; p++) {
      const { strip, width, height } = pages[p % DISTINCT]!;
      const stripAt = offset;
      await write(strip);
      const entries: Array<[number, number, number]> = [
        [256, 4, width],
        [257, 4, height],
        [258, 3, 8],
        [259, 3, 8], // Adobe Deflate
        [262, 3, 1], // BlackIsZero
        [273, 4, stripAt],
        [277, 3, 1],
        [278, 4, height],
        [279, 4, strip.length],
        [282, 5, 0],
        [283, 5, 0],
        [296, 3, 2], // inches
      ];
      const ifdAt = offset;
      const ifd = Buffer.alloc(2 + entries.length * 12 + 4 + 16);
      const rationalAt = ifdAt + 2 + entries.length * 12 + 4;
      ifd.writeUInt16LE(entries.length, 0);
      entries.forEach(([tag, type, value], i) => {
        const at = 2 + i * 12;
        ifd.writeUInt16LE(tag, at);
        ifd.writeUInt16LE(type, at + 2);
        ifd.writeUInt32LE(1, at + 4);
        if (type === 3) ifd.writeUInt16LE(value, at + 8);
        else ifd.writeUInt32LE(type === 5 ? rationalAt + (tag === 282 ? 0 : 8) : value, at + 8);
      });
      for (const at of [rationalAt, rationalAt + 8]) {
        ifd.writeUInt32LE(DPI, at - ifdAt);
        ifd.writeUInt32LE(1, at - ifdAt + 4);
      }
      const link = Buffer.alloc(4);
      link.writeUInt32LE(ifdAt);
      await out.write(link, 0, 4, previousNext);
      previousNext = ifdAt + 2 + entries.length * 12;
      await write(ifd);
    }
  } finally {
    await out.close();
  }
  return { width: pages[0]!.width, height: pages[0]!.height };
}

/** The child: intake over HTTP, then the OCR job, reporting the RSS peak of each. */
async function child(work: string, tiff: string): Promise<void> {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const measure = async <T>(run: () => Promise<T>) => {
    peak = process.memoryUsage.rss();
    const started = performance.now();
    const value = await run();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakMiB: peak / MiB, seconds: (performance.now() - started) / 1000 };
  };

  const stubOcr: OcrEngine = {
    async recognize(page) {
      const [width, height] = [page.png.readUInt32BE(16), page.png.readUInt32BE(20)];
      const words = [
        { text: 'Foja', confidence: 95, bbox: { x0: 150, y0: 150, x1: 300, y1: 200 } },
        { text: 'digitalizada', confidence: 95, bbox: { x0: 320, y0: 150, x1: 700, y1: 200 } },
      ];
      return { text: 'Foja digitalizada', confidence: 95, words, width, height };
    },
    async close() {},
  };
  const db = await openDatabase({ kind: 'pglite', dataDir: null });
  await migrateLatest(db.knex);
  const store = new FilesystemObjectStore({ root: join(work, 'objects') });
  await store.init();
  const signing = await openSigning({ maxBytes: 50 * MiB, seal: { p12Path: join(work, 'pki', 'seal.p12'), password: 'bench', generateIfMissing: true }, trustAnchorFiles: [], firmaGob: null });
  const documents = { maxUploadBytes: 1024 ** 3, maxPdfPages: 10_000 };
  const services = createServices({
    knex: db.knex,
    clock: systemClock,
    store,
    signing,
    documents,
    links: { sha256: async () => null },
    publicBaseUrl: 'http://localhost',
    // The job is run by hand below, after intake.
    jobs: { enqueue: async () => null },
    webhooks: { env: 'test', timeoutMs: 10_000 },
    ocr: stubOcr,
    digitization: { ...DEFAULT_DIGITIZATION_SETTINGS, maxPages: PAGES },
  });
  const app = createApp({ log: createLogger('error', process.stderr), knex: db.knex, services, store, documentLimits: documents, jsonBodyLimit: MiB, version: 'bench', readiness: {}, verifyRateLimit: 1000 });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { token } = await services.agencies.provision({ principalId: null, agencyId: null, requestId: null }, { code: 'BENCHDIG', name: 'Banco de digitalización', adminRoles: ['clerk'] });
  const rssBeforeMiB = process.memoryUsage.rss() / MiB;

  const intake = await measure(async () => {
    const form = new FormData();
    form.set('capture', JSON.stringify({ device: 'Banco', dpi: DPI, colorMode: 'gris', operator: 'Banco', declaredPages: PAGES, title: 'Lote de 300 fojas' }));
    form.set('file', await openAsBlob(tiff, { type: 'image/tiff' }), 'lote.tif');
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/digitizations`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    if (res.status !== 202) throw new Error(`intake: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; documentId: string };
  });
  const job = await measure(() => services.digitizations.runBatch(intake.value.id));
  const version = await db.knex('document_versions').where({ document_id: intake.value.documentId, number: 2 }).first('size');
  clearInterval(sampler);
  server.close();
  await db.close();
  const figures: Figures = { rssBeforeMiB, intakePeakMiB: intake.peakMiB, intakeSeconds: intake.seconds, jobPeakMiB: job.peakMiB, jobSeconds: job.seconds, pdfMiB: Number(version.size) / MiB };
  process.stdout.write(JSON.stringify(figures) + '\n');
}

if (process.argv[2] === 'child' && import.meta.url === pathToFileURL(process.argv[1]!).href) await child(process.argv[3]!, process.argv[4]!);
