import sharp from 'sharp';

export type ScanRejectionReason = 'unsupported' | 'truncated' | 'too-large' | 'too-many-pages' | 'empty';

/** A scan the intake refuses, with a reason a caller can map to a response and a message for the person who sent it. */
export class ScanRejectedError extends Error {
  constructor(
    readonly reason: ScanRejectionReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ScanRejectedError';
  }
}

export interface ScanPage {
  /** 8-bit greyscale PNG, upright (EXIF orientation applied), transparency flattened onto white. */
  png: Buffer;
  /** Resolution declared by the file, when it declares one. */
  dpi: number | null;
  width: number;
  height: number;
}

export interface LoadScanOptions {
  /** Largest width × height accepted for any page, checked on the declared size before any pixel is decoded. */
  maxPixels: number;
  maxPages: number;
}

const ACCEPTED_FORMATS = new Set(['png', 'jpeg', 'tiff']);

/**
 * Splits a scan (PNG, JPEG, single or multi-page TIFF) into greyscale PNG pages for OCR. PDF input is not handled here.
 * Greyscale costs nothing and is what Tesseract binarises from. Contrast normalisation (sharp `normalise()`) was
 * measured on the shared samples and left out: CER pardobazan p011 2.12 → 2.24 % (spa+eng 1.88 → 2.12 %), p012
 * 1.50 → 1.36 %, p017, eurotext, phototest and the UNLV pages unchanged; no net gain (ocr-worker/README.md).
 */
export async function loadScanPages(bytes: Buffer, opts: LoadScanOptions): Promise<ScanPage[]> {
  if (bytes.length === 0) throw new ScanRejectedError('empty', 'El archivo está vacío.');

  const first = await readHeader(bytes, 0);
  if (!first.format || !ACCEPTED_FORMATS.has(first.format)) {
    throw new ScanRejectedError('unsupported', `Formato de imagen no admitido (${first.format ?? 'desconocido'}); se aceptan PNG, JPEG y TIFF.`);
  }
  const pageCount = first.format === 'tiff' ? (first.pages ?? 1) : 1;
  if (pageCount > opts.maxPages) {
    throw new ScanRejectedError('too-many-pages', `El archivo tiene ${pageCount} páginas; el máximo es ${opts.maxPages}.`);
  }

  // Every page's declared size is checked before any page is decoded, so a bomb on the last page costs nothing.
  const headers = [first];
  for (let page = 1; page < pageCount; page++) headers.push(await readHeader(bytes, page));
  for (const [index, header] of headers.entries()) {
    const width = header.width ?? 0;
    const height = header.height ?? 0;
    if (width === 0 || height === 0) throw new ScanRejectedError('empty', `La página ${index + 1} no tiene píxeles.`);
    if (width * height > opts.maxPixels) {
      throw new ScanRejectedError('too-large', `La página ${index + 1} declara ${width}×${height} píxeles; el máximo es ${opts.maxPixels}.`);
    }
  }

  const pages: ScanPage[] = [];
  for (const [index, header] of headers.entries()) {
    try {
      // `limitInputPixels` also guards the decoder itself, should a header understate the pixels that follow.
      const { data, info } = await sharp(bytes, { page: index, limitInputPixels: opts.maxPixels, failOn: 'truncated' })
        .autoOrient()
        .flatten({ background: '#ffffff' })
        .toColourspace('b-w')
        .png()
        .toBuffer({ resolveWithObject: true });
      pages.push({ png: data, dpi: header.density ?? null, width: info.width, height: info.height });
    } catch (error) {
      throw new ScanRejectedError('truncated', `La página ${index + 1} está dañada o incompleta: ${messageOf(error)}`, { cause: error });
    }
  }
  return pages;
}

/**
 * Reads only the header: format, declared size, page count, resolution. No pixel is decoded here, so the size limit is
 * lifted to learn the declared size and refuse it as too large, rather than as a generic decoding error.
 */
async function readHeader(bytes: Buffer, page: number): Promise<sharp.Metadata> {
  try {
    return await sharp(bytes, { page, limitInputPixels: false }).metadata();
  } catch (error) {
    const message = messageOf(error);
    if (/unsupported image format/i.test(message)) {
      throw new ScanRejectedError('unsupported', 'El archivo no es una imagen admitida (PNG, JPEG o TIFF).', { cause: error });
    }
    throw new ScanRejectedError('truncated', `No se pudo leer la cabecera de la imagen: ${message}`, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
