import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Tesseract from 'tesseract.js';
import { OcrError } from './OcrEngine.ts';
import type { OcrEngine, OcrLanguage, OcrOptions, OcrPage, OcrResult, OcrWord } from './OcrEngine.ts';

export interface TesseractEngineOptions {
  /** Pool size; the caller passes os.availableParallelism() by default. */
  workers: number;
}

/**
 * The LSTM-only data of @tesseract.js-data. Its 4.0.0 folder (tessdata, legacy + LSTM) scored the same CER on every
 * shared sample (ocr-worker/README.md), its LSTM model being the same integer one, at four times the size to load.
 */
const LANGUAGE_DATA = '4.0.0_best_int';

const LANGUAGES = ['spa', 'eng'] as const;
const require = createRequire(import.meta.url);

/**
 * tesseract.js reads every language of a worker from one langPath, while each language ships in its own package:
 * the files are copied into one private folder, so no language is ever looked up elsewhere (with no langPath, or a
 * missing file, tesseract.js would download from a CDN and crash the process with an uncaught `fetch failed`).
 */
async function gatherLanguageData(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'legajo-tessdata-'));
  try {
    for (const lang of LANGUAGES) {
      const packageFolder = path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`));
      await copyFile(path.join(packageFolder, LANGUAGE_DATA, `${lang}.traineddata.gz`), path.join(folder, `${lang}.traineddata.gz`));
    }
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw new Error(`Faltan los datos de idioma de Tesseract (@tesseract.js-data, ${LANGUAGE_DATA}): ${String(error)}`, { cause: error });
  }
  return folder;
}

interface Slot {
  worker: Tesseract.Worker;
  /** The languages the worker's Tesseract API is initialised with; switching re-initialises it from memory. */
  lang: OcrLanguage;
}

interface Job {
  page: OcrPage;
  opts: OcrOptions;
  resolve: (result: OcrResult) => void;
  reject: (error: Error) => void;
  /** Detaches the abort listener that removes the job while it waits in the queue. */
  detach: () => void;
}

export async function createTesseractEngine(options: TesseractEngineOptions): Promise<OcrEngine> {
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new RangeError(`El número de workers de OCR debe ser un entero positivo (recibido ${options.workers}).`);
  }
  const langPath = await gatherLanguageData();

  const spawn = async (): Promise<Slot> => {
    const worker = await Tesseract.createWorker([...LANGUAGES], Tesseract.OEM.LSTM_ONLY, {
      langPath,
      gzip: true,
      // No cache: the data is local already, and a cache would write traineddata into the working directory.
      cacheMethod: 'none',
      // Without a handler tesseract.js throws a failed job's error from its message listener, an uncaught exception;
      // the job's own promise carries the error to the caller.
      errorHandler: () => {},
    });
    const slot: Slot = { worker, lang: 'spa+eng' };
    return slot;
  };

  let slots: Slot[];
  try {
    slots = await Promise.all(Array.from({ length: options.workers }, spawn));
  } catch (error) {
    await rm(langPath, { recursive: true, force: true });
    throw new OcrError('engine', `No se pudo iniciar Tesseract: ${String(error)}`, { cause: error });
  }

  const idle: Slot[] = [...slots];
  const queue: Job[] = [];
  /** How to interrupt each page being recognised, so close() can stop them too. */
  const running = new Set<(error: OcrError) => void>();
  let live = slots.length;
  let replacing = 0;
  let closed = false;

  const failQueue = (error: OcrError) => {
    for (const job of queue.splice(0)) {
      job.detach();
      job.reject(error);
    }
  };

  /** A worker that ran over time is killed mid-page; its place is taken by a fresh one so the pool keeps its size. */
  const replace = (slot: Slot) => {
    live -= 1;
    void slot.worker.terminate().catch(() => {});
    if (closed) return;
    replacing += 1;
    spawn().then(
      (fresh) => {
        replacing -= 1;
        if (closed) {
          void fresh.worker.terminate().catch(() => {});
          return;
        }
        live += 1;
        idle.push(fresh);
        dispatch();
      },
      (error: unknown) => {
        replacing -= 1;
        if (live === 0 && replacing === 0) failQueue(new OcrError('engine', `No quedan workers de OCR: ${String(error)}`, { cause: error }));
      },
    );
  };

  const release = (slot: Slot) => {
    if (closed) void slot.worker.terminate().catch(() => {});
    else idle.push(slot);
  };

  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const slot = idle.pop()!;
      const job = queue.shift()!;
      job.detach();
      void run(slot, job);
    }
  };

  const run = async (slot: Slot, job: Job) => {
    const { page, opts } = job;
    let settle: (error: OcrError) => void = () => {};
    const interrupted = new Promise<never>((_, reject) => {
      settle = reject;
    });
    running.add(settle);
    const timer = setTimeout(
      () => settle(new OcrError('timeout', `El OCR de la página superó el tiempo máximo de ${opts.timeoutMs} ms y se canceló.`)),
      opts.timeoutMs,
    );
    const onAbort = () => settle(new OcrError('aborted', 'El OCR de la página fue cancelado.', { cause: opts.signal?.reason }));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const work = (async () => {
      if (slot.lang !== opts.lang) {
        await slot.worker.reinitialize(opts.lang, Tesseract.OEM.LSTM_ONLY);
        slot.lang = opts.lang;
      }
      return slot.worker.recognize(page.png, recognizeParameters(page), { text: true, blocks: true });
    })();
    // The page's promise is abandoned when it is interrupted: it must not surface later as an unhandled rejection.
    work.catch(() => {});

    try {
      const { data } = await Promise.race([work, interrupted]);
      release(slot);
      job.resolve(toResult(data, page));
    } catch (error) {
      if (error instanceof OcrError) {
        replace(slot);
        job.reject(error);
      } else {
        // Tesseract rejected the page itself (e.g. an image it cannot read): the worker is still sound.
        release(slot);
        job.reject(new OcrError('engine', `Tesseract no pudo reconocer la página: ${String(error)}`, { cause: error }));
      }
    } finally {
      running.delete(settle);
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      dispatch();
    }
  };

  return {
    recognize(page, opts) {
      if (closed) return Promise.reject(new OcrError('closed', 'El motor de OCR está cerrado.'));
      if (live === 0 && replacing === 0) return Promise.reject(new OcrError('engine', 'No quedan workers de OCR: no se pudo reemplazar ninguno.'));
      if (!isPng(page.png)) return Promise.reject(new TypeError('La página para OCR debe ser PNG (véase loadScanPages).'));
      if (opts.signal?.aborted) return Promise.reject(new OcrError('aborted', 'El OCR de la página fue cancelado.', { cause: opts.signal.reason }));
      return new Promise<OcrResult>((resolve, reject) => {
        const job: Job = { page, opts, resolve, reject, detach: () => {} };
        if (opts.signal) {
          const signal = opts.signal;
          const onAbort = () => {
            const index = queue.indexOf(job);
            if (index >= 0) queue.splice(index, 1);
            reject(new OcrError('aborted', 'El OCR de la página fue cancelado.', { cause: signal.reason }));
          };
          signal.addEventListener('abort', onAbort, { once: true });
          job.detach = () => signal.removeEventListener('abort', onAbort);
        }
        queue.push(job);
        dispatch();
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      const error = new OcrError('closed', 'El motor de OCR se cerró antes de terminar la página.');
      failQueue(error);
      for (const interrupt of running) interrupt(error);
      await Promise.all(idle.splice(0).map((slot) => slot.worker.terminate().catch(() => {})));
      await rm(langPath, { recursive: true, force: true });
    },
  };
}

/** Tesseract parameters for one page; tesseract.js sets them for this recognition only. */
function recognizeParameters(page: OcrPage): Partial<Tesseract.RecognizeOptions> {
  const parameters: Record<string, string> = {
    // The library's default is one uniform block; scans have columns, headers and stamps, as the tesseract CLI assumes.
    tessedit_pageseg_mode: Tesseract.PSM.AUTO,
    user_defined_dpi: String(Math.round(page.dpi)),
  };
  return parameters;
}

function toResult(data: Tesseract.Page, page: OcrPage): OcrResult {
  const words: OcrWord[] = (data.blocks ?? []).flatMap((block) =>
    block.paragraphs.flatMap((paragraph) =>
      paragraph.lines.flatMap((line) =>
        line.words.map((word) => ({ text: word.text, confidence: word.confidence, bbox: { ...word.bbox } })),
      ),
    ),
  );
  const confidence = words.length === 0 ? 0 : words.reduce((sum, word) => sum + word.confidence, 0) / words.length;
  const { width, height } = pngSize(page.png);
  return { text: data.text, confidence, words, width, height };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function isPng(bytes: Buffer): boolean {
  return bytes.length >= 24 && bytes.subarray(0, 8).equals(PNG_SIGNATURE);
}

/** Width and height from the PNG header (IHDR follows the 8-byte signature). */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
