import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MAX_INDEXED_CHARS } from './indexDocumentText.ts';

export interface PdfTextLimits {
  /** Larger files are not read at all. */
  maxBytes: number;
  /** Pages read from the start; the rest of a longer PDF is not indexed. */
  maxPages: number;
  /** Reading stops once this much text is collected (the index keeps no more). */
  maxChars: number;
  timeoutMs: number;
  /** Heap of the worker thread that runs pdf.js. */
  maxHeapMb: number;
}

export const PDF_TEXT_LIMITS: PdfTextLimits = { maxBytes: 200 * 1024 ** 2, maxPages: 2_000, maxChars: MAX_INDEXED_CHARS, timeoutMs: 120_000, maxHeapMb: 512 };

export type PdfText = { kind: 'text'; text: string; pagesRead: number; pageCount: number } | { kind: 'unreadable'; reason: string };

// pdf.js reads its CMaps (for CJK and other encodings) and standard font metrics from its own package on disk.
const pdfjsRoot = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const ASSETS = { cMapUrl: join(pdfjsRoot, 'cmaps') + '/', standardFontDataUrl: join(pdfjsRoot, 'standard_fonts') + '/' };

const PROBLEMS: Record<string, string> = {
  encrypted: 'el PDF está protegido con contraseña',
  damaged: 'el PDF está dañado o no es un PDF válido',
};

/**
 * The text layer of a PDF, read in a worker thread bounded in time and heap: a damaged, encrypted or hostile file
 * gives a reason, never an exception or a stuck job.
 */
export function extractPdfText(bytes: Uint8Array, limits: PdfTextLimits = PDF_TEXT_LIMITS): Promise<PdfText> {
  if (bytes.byteLength > limits.maxBytes) return Promise.resolve({ kind: 'unreadable', reason: `el archivo supera ${limits.maxBytes} bytes, el máximo que se lee` });
  // A copy with a buffer of its own, handed to the worker: a Buffer may be a view into Node's shared pool.
  const copy = new Uint8Array(bytes);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: PdfText) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const worker = new Worker(new URL('./pdfTextWorker.mjs', import.meta.url), {
      workerData: { bytes: copy.buffer, maxPages: limits.maxPages, maxChars: limits.maxChars, ...ASSETS },
      transferList: [copy.buffer],
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb },
      stdout: true,
      stderr: true,
    });
    // pdf.js warns on the console about damaged files; the reason returned says what matters, the logs stay JSON.
    worker.stdout.resume();
    worker.stderr.resume();
    const timer = setTimeout(() => settle({ kind: 'unreadable', reason: `la lectura del texto superó ${limits.timeoutMs / 1000} s` }), limits.timeoutMs);
    worker.on('message', (m: { ok: true; text: string; pagesRead: number; pageCount: number } | { ok: false; problem: string; message: string }) =>
      settle(m.ok ? { kind: 'text', text: m.text.slice(0, limits.maxChars), pagesRead: m.pagesRead, pageCount: m.pageCount } : { kind: 'unreadable', reason: `${PROBLEMS[m.problem] ?? m.problem} (${m.message})` }),
    );
    worker.on('error', (err: Error & { code?: string }) =>
      settle({ kind: 'unreadable', reason: err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `leer el texto necesitó más de ${limits.maxHeapMb} MB de memoria` : `la lectura falló: ${err.message}` }),
    );
    worker.on('exit', (code) => settle({ kind: 'unreadable', reason: `la lectura terminó sin resultado (código ${code})` }));
  });
}
