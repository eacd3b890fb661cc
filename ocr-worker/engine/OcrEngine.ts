export type OcrLanguage = 'spa' | 'eng' | 'spa+eng';

export interface OcrPage {
  /** One page as PNG, already greyscale (see loadScanPages). */
  png: Buffer;
  /** Scan resolution; tells Tesseract the glyph size it should expect. */
  dpi: number;
}

export interface OcrOptions {
  lang: OcrLanguage;
  /** Wall-clock limit for this page, queueing excluded. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface OcrBoundingBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface OcrWord {
  text: string;
  /** 0-100, as Tesseract reports it. */
  confidence: number;
  bbox: OcrBoundingBox;
}

export interface OcrResult {
  text: string;
  /** Mean word confidence, 0-100; 0 when no word was found. */
  confidence: number;
  words: OcrWord[];
  width: number;
  height: number;
  /** Page rotation in degrees, when the engine detects it. */
  orientation?: number;
}

export interface OcrEngine {
  recognize(page: OcrPage, opts: OcrOptions): Promise<OcrResult>;
  /** Stops every worker; pages still queued or running are rejected. */
  close(): Promise<void>;
}

/** Why a page was not recognised: it ran past its time limit, was cancelled, the engine was closed, or Tesseract failed. */
export class OcrError extends Error {
  constructor(
    readonly reason: 'timeout' | 'aborted' | 'closed' | 'engine',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'OcrError';
  }
}
