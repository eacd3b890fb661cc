import sharp from 'sharp';
import { bufferRangeSource, type RangeSource } from '../../standards/content/RangeSource.ts';
import { listPageImages, ScanPdfRejectedError, type PdfPageImage } from '../../standards/pdf/listPageImages.ts';
import { PdfRejectedError } from '../../standards/pdf/PdfRejectedError.ts';
import { readPageImage } from '../../standards/pdf/readPageImage.ts';
import { deskewAngle } from './deskewAngle.ts';

export type ScanRejectionReason = 'unsupported' | 'truncated' | 'too-large' | 'too-many-pages' | 'empty' | 'not-a-scan';

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

/** What the file declares about one page, learnt without decoding a pixel. */
export interface ScanPageInfo {
  /** Upright size (EXIF orientation or the PDF page's /Rotate applied). */
  width: number;
  height: number;
  /** Resolution declared by the file (or implied by a PDF page's size), when there is one. */
  dpi: number | null;
}

export interface ScanPage extends ScanPageInfo {
  /** 8-bit greyscale PNG, upright, transparency flattened onto white. */
  png: Buffer;
}

/**
 * A scan opened for reading: its pages' declared sizes, and each page decoded only when asked for, so a batch of
 * hundreds of pages never holds more than the pages being worked on.
 */
export interface ScanPages {
  pages: ScanPageInfo[];
  /**
   * Decodes page `index` (0-based), turned clockwise by `rotation` degrees (a quarter turn found by orientation
   * detection) and deskewed; a damaged page rejects with ScanRejectedError('truncated').
   */
  load(index: number, rotation?: number): Promise<ScanPage>;
}

export interface LoadScanOptions {
  /** Largest width × height accepted for any page, checked on the declared size before any pixel is decoded. */
  maxPixels: number;
  maxPages: number;
}

const ACCEPTED_FORMATS = new Set(['png', 'jpeg', 'tiff']);
const PDF_SIGNATURE = Buffer.from('%PDF-', 'latin1');

/**
 * Opens a scan (PNG, JPEG, single or multi-page TIFF, or a PDF of page images): checks the format and every page's
 * declared size, reading headers only. A PDF is read by ranges; an image file is read whole, as its decoder needs.
 * Greyscale costs nothing and is what Tesseract binarises from. Contrast normalisation (sharp `normalise()`) was
 * measured on the shared samples and left out: CER pardobazan p011 2.12 → 2.24 % (spa+eng 1.88 → 2.12 %), p012
 * 1.50 → 1.36 %, p017, eurotext, phototest and the UNLV pages unchanged; no net gain (ocr-worker/README.md).
 */
export async function loadScanPages(input: Buffer | RangeSource, opts: LoadScanOptions): Promise<ScanPages> {
  const src = Buffer.isBuffer(input) ? bufferRangeSource(input) : input;
  if (src.size === 0) throw new ScanRejectedError('empty', 'El archivo está vacío.');
  const lead = Buffer.from(await src.read(0, Math.min(src.size, PDF_SIGNATURE.length)));
  if (lead.equals(PDF_SIGNATURE)) return openPdf(src, opts);
  return openImage(Buffer.isBuffer(input) ? input : Buffer.from(await src.read(0, src.size)), opts);
}

async function openImage(bytes: Buffer, opts: LoadScanOptions): Promise<ScanPages> {
  const first = await readHeader(bytes, 0);
  if (!first.format || !ACCEPTED_FORMATS.has(first.format)) {
    throw new ScanRejectedError('unsupported', `Formato de imagen no admitido (${first.format ?? 'desconocido'}); se aceptan PDF de imágenes, PNG, JPEG y TIFF.`);
  }
  const pageCount = first.format === 'tiff' ? (first.pages ?? 1) : 1;
  if (pageCount > opts.maxPages) {
    throw new ScanRejectedError('too-many-pages', `El archivo tiene ${pageCount} páginas; el máximo es ${opts.maxPages}. Divídalo en lotes más pequeños.`);
  }
  if (!endsComplete(bytes, first.format)) {
    throw new ScanRejectedError('truncated', `La imagen ${first.format.toUpperCase()} está incompleta: le falta su marca de fin. Vuelva a digitalizar o a enviar el archivo.`);
  }

  // Every page's declared size is checked before any page is decoded, so a bomb on the last page costs nothing.
  const pages: ScanPageInfo[] = [];
  for (let index = 0; index < pageCount; index++) {
    const header = index === 0 ? first : await readHeader(bytes, index);
    const width = header.autoOrient?.width ?? header.width ?? 0;
    const height = header.autoOrient?.height ?? header.height ?? 0;
    checkSize(index + 1, width, height, opts.maxPixels);
    pages.push({ width, height, dpi: header.density ?? null });
  }
  return {
    pages,
    load: (index, rotation = 0) =>
      decode(index, pages[index], rotation, async () =>
        // `limitInputPixels` also guards the decoder itself, should a header understate the pixels that follow.
        sharp(bytes, { page: index, limitInputPixels: opts.maxPixels, failOn: 'truncated' }).autoOrient(),
      ),
  };
}

async function openPdf(src: RangeSource, opts: LoadScanOptions): Promise<ScanPages> {
  let images: PdfPageImage[];
  try {
    images = await listPageImages(src, opts);
  } catch (error) {
    if (error instanceof ScanPdfRejectedError) {
      const reason = error.reason === 'no-images' ? 'not-a-scan' : error.reason === 'too-large' ? 'too-large' : 'unsupported';
      throw new ScanRejectedError(reason, error.message, { cause: error });
    }
    if (error instanceof PdfRejectedError) {
      throw new ScanRejectedError(error.reason === 'too-many-pages' ? 'too-many-pages' : 'truncated', error.message, { cause: error });
    }
    throw error;
  }
  const pages = images.map((image) => {
    const sideways = image.rotate === 90 || image.rotate === 270;
    return { width: sideways ? image.height : image.width, height: sideways ? image.width : image.height, dpi: image.dpi };
  });
  return {
    pages,
    load: (index, rotation = 0) =>
      decode(index, pages[index], rotation, async () => {
        const image = images[index]!;
        let data;
        try {
          data = await readPageImage(src, image);
        } catch (error) {
          if (error instanceof PdfRejectedError) throw new ScanRejectedError('truncated', error.message, { cause: error });
          throw error;
        }
        const decoder =
          data.kind === 'jpeg'
            ? sharp(data.bytes, { limitInputPixels: opts.maxPixels, failOn: 'truncated' })
            : sharp(data.pixels, { raw: { width: data.width, height: data.height, channels: data.channels } });
        return decoder.rotate(image.rotate);
      }),
  };
}

/**
 * One page as greyscale PNG, straightened; whatever the decoder refuses is a damaged page, named by its number.
 * Deskewing was measured on skewed copies of the shared samples and kept (ocr-worker/README.md): pardobazan p011
 * skewed 2° CER 2.59 → 1.88 %, −3.5° 3.53 → 1.77 %; p012 2° 3.00 → 2.00 %; straight pages are left as they are.
 */
async function decode(index: number, info: ScanPageInfo | undefined, rotation: number, open: () => Promise<sharp.Sharp>): Promise<ScanPage> {
  if (!info) throw new RangeError(`El escaneo no tiene página ${index + 1}.`);
  try {
    const decoder = (await open()).flatten({ background: '#ffffff' });
    // A second pass: sharp keeps one rotation per pipeline, and a PDF page's /Rotate already took it.
    const grey = await (rotation ? sharp(await decoder.png().toBuffer()).rotate(rotation) : decoder).toColourspace('b-w').png().toBuffer();
    const angle = await deskewAngle(grey);
    // The corners the rotation uncovers take the paper's colour: a white wedge on grey paper reads to Tesseract as a
    // picture and it then finds no text at all (measured: CER 100 % on the skewed pardobazan pages).
    const paper = angle === 0 ? null : (await sharp(grey).stats()).dominant;
    const straight = paper ? await sharp(await sharp(grey).rotate(angle, { background: paper }).png().toBuffer()).toColourspace('b-w').png().toBuffer() : grey;
    const { width, height } = await sharp(straight).metadata();
    return { png: straight, dpi: info.dpi, width: width!, height: height! };
  } catch (error) {
    if (error instanceof ScanRejectedError) throw error;
    throw new ScanRejectedError('truncated', `La página ${index + 1} está dañada o incompleta: ${messageOf(error)}. Vuelva a digitalizarla.`, { cause: error });
  }
}

function checkSize(page: number, width: number, height: number, maxPixels: number): void {
  if (width === 0 || height === 0) throw new ScanRejectedError('empty', `La página ${page} no tiene píxeles.`);
  if (width * height > maxPixels) {
    throw new ScanRejectedError('too-large', `La página ${page} declara ${width}×${height} píxeles; el máximo es ${maxPixels}. Digitalice a menor resolución.`);
  }
}

const PNG_END = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
const JPEG_END = Buffer.from([0xff, 0xd9]);
/** Room for the padding or trailer some writers leave after the end marker. */
const TAIL = 1024;

/**
 * A cut-off upload is caught without decoding: a PNG ends with its IEND chunk and a JPEG with its EOI marker. A TIFF
 * has no end marker; its damage shows when the page is decoded, and that page fails with the reason.
 */
function endsComplete(bytes: Buffer, format: string): boolean {
  const tail = bytes.subarray(Math.max(0, bytes.length - TAIL));
  if (format === 'png') return tail.includes(PNG_END);
  if (format === 'jpeg') return tail.includes(JPEG_END);
  return true;
}

const KNOWN_SIGNATURES = [Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('II*\0', 'latin1'), Buffer.from('MM\0*', 'latin1')];

/**
 * Reads only the header: format, declared size, page count, resolution. No pixel is decoded here, so the size limit is
 * lifted to learn the declared size and refuse it as too large, rather than as a generic decoding error.
 */
async function readHeader(bytes: Buffer, page: number): Promise<sharp.Metadata> {
  try {
    return await sharp(bytes, { page, limitInputPixels: false }).metadata();
  } catch (error) {
    const message = messageOf(error);
    // A known signature whose header the decoder cannot read is a damaged file (a TIFF cut before its directory).
    if (/unsupported image format/i.test(message) && !KNOWN_SIGNATURES.some((signature) => bytes.subarray(0, signature.length).equals(signature))) {
      throw new ScanRejectedError('unsupported', 'El archivo no es una imagen admitida (PDF de imágenes, PNG, JPEG o TIFF).', { cause: error });
    }
    throw new ScanRejectedError('truncated', `No se pudo leer la cabecera de la imagen: ${message}`, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
