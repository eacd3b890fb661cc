// OCR throughput and accuracy: tesseract.js through the project's engine against native Tesseract (Debian
// `tesseract`, OMP_THREAD_LIMIT=1, one process per core), on the same greyscale PNG pages: the shared samples with
// their ground truth and Spanish pages rendered here. Default against default (Debian's fast model against
// tesseract.js's best_int), and like with like: each model run by both engines.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import Tesseract from 'tesseract.js';
import { characterErrorRate } from '../ocr-worker/engine/characterErrorRate.ts';
import { loadScanPages } from '../ocr-worker/engine/loadScanPages.ts';
import type { OcrLanguage } from '../ocr-worker/engine/OcrEngine.ts';
import { createTesseractEngine } from '../ocr-worker/engine/tesseractEngine.ts';
import { sharedPath } from '../test/helpers/sharedData.ts';
import { renderTextPage } from '../test/ocr/renderFixture.ts';
import type { BenchResult } from './BenchResult.ts';
import { spanishCorpus } from './spanishCorpus.ts';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const CORES = os.availableParallelism();
/** Timed rounds over every page, per engine. */
const ROUNDS = 2;
const DEBIAN_TESSDATA = '/usr/share/tesseract-ocr/5/tessdata';
const TIMEOUT_MS = 600_000;

interface Page {
  id: string;
  lang: 'spa' | 'eng';
  png: Buffer;
  dpi: number;
  reference: string;
}

const SAMPLES: Array<{ id: string; file: string; lang: 'spa' | 'eng' }> = [
  { id: 'pardobazan1894_p011', file: 'pardobazan1894_p011.jpg', lang: 'spa' },
  { id: 'pardobazan1894_p012', file: 'pardobazan1894_p012.jpg', lang: 'spa' },
  { id: 'pardobazan1894_p017', file: 'pardobazan1894_p017.jpg', lang: 'spa' },
  { id: 'phototest', file: 'phototest.tif', lang: 'eng' },
  { id: 'eurotext', file: 'eurotext.tif', lang: 'eng' },
  { id: 'unlv_8071_093', file: 'unlv_8071_093.tif', lang: 'eng' },
  { id: 'unlv_8087_054', file: 'unlv_8087_054.tif', lang: 'eng' },
];

/** Spanish office pages rendered at 300 dpi from the search benchmark's corpus: 30 lines of about 70 characters. */
async function renderedPages(count: number): Promise<Page[]> {
  const next = spanishCorpus(2026);
  const pages: Page[] = [];
  for (let i = 1; i <= count; i++) {
    const words = next().text.replace(/\s+/g, ' ').split(' ');
    const lines: string[] = [];
    let line = '';
    for (const w of words) {
      if ((line + ' ' + w).length > 70) {
        lines.push(line);
        line = w;
        if (lines.length === 30) break;
      } else line = line ? `${line} ${w}` : w;
    }
    const scan = await loadScanPages(await renderTextPage(lines), { maxPixels: 40_000_000, maxPages: 1 });
    const page = await scan.load(0);
    pages.push({ id: `rendered_${i}`, lang: 'spa', png: page.png, dpi: page.dpi ?? 300, reference: lines.join('\n') });
  }
  return pages;
}

async function samplePages(): Promise<Page[]> {
  return Promise.all(
    SAMPLES.map(async (s) => {
      const scan = await loadScanPages(await readFile(sharedPath('ocr-samples', 'images', s.file)), { maxPixels: 40_000_000, maxPages: 1 });
      const page = await scan.load(0);
      return { id: s.id, lang: s.lang, png: page.png, dpi: page.dpi ?? 300, reference: await readFile(sharedPath('ocr-samples', 'gt', `${s.id}.gt.txt`), 'utf8') };
    }),
  );
}

/** Runs `work` over the items with `width` in flight; returns the results in item order and the wall time. */
async function pooled<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<{ results: R[]; seconds: number }> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return { results, seconds: (performance.now() - started) / 1000 };
}

type Recognizer = { recognize(page: Page): Promise<string>; close(): Promise<void> };

/** Native Tesseract, one single-threaded process per page, on the PNG written to disk. */
async function nativeTesseract(work: string, tessdataDir: string | null): Promise<Recognizer> {
  const files = new Map<string, string>();
  return {
    async recognize(page) {
      let file = files.get(page.id);
      if (!file) {
        file = join(work, `${page.id}.png`);
        await writeFile(file, page.png);
        files.set(page.id, file);
      }
      const args = [file, 'stdout', '-l', page.lang, '--dpi', String(page.dpi), ...(tessdataDir ? ['--tessdata-dir', tessdataDir] : [])];
      const { stdout } = await run('tesseract', args, { env: { ...process.env, OMP_THREAD_LIMIT: '1' }, maxBuffer: 64 * 1024 ** 2 });
      return stdout;
    },
    close: async () => {},
  };
}

/** The project's engine (tesseract.js, @tesseract.js-data best_int), pool sized to the cores. */
async function projectEngine(): Promise<Recognizer> {
  const engine = await createTesseractEngine({ workers: CORES });
  return {
    recognize: async (page) => (await engine.recognize({ png: page.png, dpi: page.dpi }, { lang: page.lang as OcrLanguage, timeoutMs: TIMEOUT_MS })).text,
    close: () => engine.close(),
  };
}

/**
 * tesseract.js reading Debian's traineddata, with the engine's page settings (LSTM only, automatic segmentation,
 * the scan's dpi). The engine has no model option, so the like-with-like pool is built here: one worker per core.
 */
async function tesseractJsWithModel(langPath: string): Promise<Recognizer> {
  const make = () => Tesseract.createWorker(['spa', 'eng'], Tesseract.OEM.LSTM_ONLY, { langPath, gzip: false, cacheMethod: 'none', errorHandler: () => {} });
  const idle = await Promise.all(Array.from({ length: CORES }, make));
  const langs = new Map(idle.map((w) => [w, 'spa+eng']));
  const waiting: Array<(w: Tesseract.Worker) => void> = [];
  const take = () => (idle.length ? Promise.resolve(idle.pop()!) : new Promise<Tesseract.Worker>((r) => waiting.push(r)));
  const give = (w: Tesseract.Worker) => (waiting.length ? waiting.shift()!(w) : idle.push(w));
  const all = [...idle];
  return {
    async recognize(page) {
      const worker = await take();
      try {
        if (langs.get(worker) !== page.lang) {
          await worker.reinitialize(page.lang, Tesseract.OEM.LSTM_ONLY);
          langs.set(worker, page.lang);
        }
        const { data } = await worker.recognize(page.png, { tessedit_pageseg_mode: Tesseract.PSM.AUTO, user_defined_dpi: String(page.dpi) } as Partial<Tesseract.RecognizeOptions>);
        return data.text;
      } finally {
        give(worker);
      }
    },
    close: async () => void (await Promise.all(all.map((w) => w.terminate()))),
  };
}

/** best_int from @tesseract.js-data, uncompressed into a tessdata folder native Tesseract can read. */
async function bestIntTessdata(work: string): Promise<string> {
  const dir = join(work, 'best_int');
  await mkdir(dir);
  for (const lang of ['spa', 'eng']) {
    const gz = join(require.resolve(`@tesseract.js-data/${lang}/package.json`), '..', '4.0.0_best_int', `${lang}.traineddata.gz`);
    await writeFile(join(dir, `${lang}.traineddata`), gunzipSync(await readFile(gz)));
  }
  return dir;
}

export default async function ocrBench(): Promise<BenchResult> {
  const work = await mkdtemp(join(os.tmpdir(), 'legajo-bench-ocr-'));
  try {
    const pages = [...(await samplePages()), ...(await renderedPages(3))];
    const bestInt = await bestIntTessdata(work);
    // Debian's files, copied so the bench reads exactly the same bytes in both engines (and never writes beside them).
    const fast = join(work, 'debian');
    await mkdir(fast);
    for (const lang of ['spa', 'eng']) await copyFile(join(DEBIAN_TESSDATA, `${lang}.traineddata`), join(fast, `${lang}.traineddata`));
    const { stdout: version } = await run('tesseract', ['--version']);

    const engines: Array<{ name: string; model: 'fast (Debian)' | 'best_int'; open: () => Promise<Recognizer> }> = [
      { name: `native tesseract ${version.split('\n')[0]!.replace('tesseract ', '')}`, model: 'fast (Debian)', open: () => nativeTesseract(work, fast) },
      { name: 'tesseract.js 7, project engine', model: 'best_int', open: projectEngine },
      { name: 'tesseract.js 7, Debian model', model: 'fast (Debian)', open: () => tesseractJsWithModel(fast) },
      { name: 'native tesseract, best_int', model: 'best_int', open: () => nativeTesseract(work, bestInt) },
    ];
    // Other work on the machine comes and goes: every engine is open at once and the timed rounds alternate between
    // them, so each meets the same conditions.
    const open: Array<{ recognizer: Recognizer; seconds: number; texts: string[] }> = [];
    try {
      for (const e of engines) {
        process.stderr.write(`bench ocr: starting ${e.name}\n`);
        const recognizer = await e.open();
        open.push({ recognizer, seconds: 0, texts: [] });
        // Warm-up: one page per worker, so start-up (model loading) is not counted.
        await pooled(pages.slice(0, CORES), CORES, (p) => recognizer.recognize(p));
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, o] of open.entries()) {
          process.stderr.write(`bench ocr: round ${round + 1}, ${engines[i]!.name}\n`);
          const { results, seconds } = await pooled(pages, CORES, (p) => o.recognizer.recognize(p));
          o.seconds += seconds;
          if (round === 0) o.texts = results;
        }
      }
    } finally {
      for (const o of open) await o.recognizer.close();
    }
    const measured = engines.map((e, i) => ({
      name: e.name,
      model: e.model,
      pagesPerMinute: ((pages.length * ROUNDS) / open[i]!.seconds) * 60,
      cer: Object.fromEntries(pages.map((p, j) => [p.id, characterErrorRate(p.reference, open[i]!.texts[j]!)])),
    }));
    const nativeOf = (model: string) => measured.find((m) => m.name.startsWith('native') && m.model === model)!;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
    const rows: BenchResult['rows'] = measured.map((m) => ({
      engine: m.name,
      model: m.model,
      'pages/min': m.pagesPerMinute.toFixed(1),
      'pages/min per core': (m.pagesPerMinute / CORES).toFixed(1),
      'native / this, same model': (nativeOf(m.model).pagesPerMinute / m.pagesPerMinute).toFixed(2),
      'native default / this': (nativeOf('fast (Debian)').pagesPerMinute / m.pagesPerMinute).toFixed(2),
      'CER mean': pct(mean(Object.values(m.cer))),
      'CER spa': pct(mean(pages.filter((p) => p.lang === 'spa').map((p) => m.cer[p.id]!))),
      ...Object.fromEntries(pages.map((p) => [p.id.replace('pardobazan1894_', '').replace('unlv_', ''), pct(m.cer[p.id]!)])),
    }));
    return {
      title: 'OCR: tesseract.js (project engine) against native Tesseract, same pages',
      rows,
      notes: [
        `${pages.length} greyscale PNG pages (loadScanPages): the ${SAMPLES.length} shared samples (ocr-samples, scored against their ground truth) and 3 Spanish pages rendered at 300 dpi (test/ocr/renderFixture.ts, 30 lines of bench/spanishCorpus.ts text each); Spanish pages read with spa, the others with eng.`,
        `Throughput: ${ROUNDS} rounds of every page with ${CORES} in flight (${CORES} cores), the engines taking turns round by round, after a warm-up page per worker; native runs one \`tesseract\` process per page with OMP_THREAD_LIMIT=1 and --dpi, tesseract.js one worker per core with PSM 3 and the page's dpi (the engine's settings).`,
        '"native / this": how many times faster native Tesseract is than the row (1.00 = as fast; the aim is at most 1.5 per core against the same model).',
        'Models: Debian tesseract-ocr-spa/eng 4.1.0 ship the tessdata_fast networks (spa 2.3 MB); @tesseract.js-data/spa ships only 4.0.0 (legacy + LSTM) and 4.0.0_best_int (3.4 MB), no fast variant. The like-with-like rows point tesseract.js at Debian\'s files (langPath, gzip off) and native Tesseract at best_int (--tessdata-dir).',
        'CER: Levenshtein over NFC text with whitespace collapsed, divided by the reference length (ocr-worker/engine/characterErrorRate.ts, as the samples\' README describes); from the first timed round.',
      ],
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
