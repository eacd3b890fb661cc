import type { OcrEngine } from '../../../ocr-worker/engine/OcrEngine.ts';

/**
 * An engine started on its first page: a process that opens a queue but never runs an OCR job (`legajo serve`)
 * does not pay for Tesseract's workers and models.
 */
export function lazyOcrEngine(create: () => Promise<OcrEngine>): OcrEngine {
  let engine: Promise<OcrEngine> | null = null;
  const start = () => {
    const starting = create();
    // A failed start is not kept: the next page (or the job's retry) tries again.
    starting.catch(() => {
      if (engine === starting) engine = null;
    });
    return starting;
  };
  return {
    async recognize(page, opts) {
      engine ??= start();
      return (await engine).recognize(page, opts);
    },
    async close() {
      const started = engine;
      engine = null;
      if (started) await (await started).close();
    },
  };
}
