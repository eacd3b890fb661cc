import {
  beginText,
  concatTransformationMatrix,
  drawObject,
  endText,
  PDFDocument,
  popGraphicsState,
  pushGraphicsState,
  setCharacterSqueeze,
  setFontAndSize,
  setTextMatrix,
  setTextRenderingMode,
  showText,
  StandardFonts,
  TextRenderingMode,
  type PDFFont,
  type PDFImage,
  type PDFOperator,
  type PDFPage,
  type PDFRef,
} from 'pdf-lib';
import { winAnsiText } from '../chile/pdfText.ts';

/** A rectangle in image pixels, origin at the top-left corner, as the OCR engine reports it. */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface ScannedPage {
  image: Uint8Array;
  imageType: 'png' | 'jpeg';
  widthPx: number;
  heightPx: number;
  dpi: number;
  /** Recognized words in reading order. */
  words: Array<{ text: string; bbox: PixelBox }>;
}

export interface SearchablePdfMeta {
  title: string;
  author?: string;
  /** BCP 47 tag; es-CL unless given. */
  language?: string;
  createdAt: Date;
}

/** Input that cannot become a searchable PDF; the message (Spanish) says which page or word and why. */
export class SearchablePdfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchablePdfError';
  }
}

/** ISO 32000-1 Annex C: page sides outside 3–14 400 points are beyond what viewers must support. */
const MIN_SIDE_PT = 3;
const MAX_SIDE_PT = 14_400;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, signature: number[]) => signature.every((b, i) => bytes[i] === b);
/** Two decimals are far below a pixel at any scanning resolution and keep the content stream short. */
const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Scanned pages as a searchable PDF: each page image drawn full-page at its scanning resolution, with the OCR words
 * over it in invisible text (render mode 3), each word stretched to its box so that search hits and selection fall on
 * the printed word. Helvetica is not embedded, so characters outside WinAnsi become '?'. The same input always gives
 * the same bytes.
 */
export async function searchablePdf(pages: ScannedPage[], meta: SearchablePdfMeta): Promise<Uint8Array> {
  if (pages.length === 0) throw new SearchablePdfError('El PDF buscable necesita al menos una página escaneada.');
  if (Number.isNaN(meta.createdAt.getTime())) throw new SearchablePdfError('La fecha de creación del PDF buscable no es válida.');
  pages.forEach(validatePage);

  const doc = await PDFDocument.create();
  doc.setTitle(meta.title);
  if (meta.author) doc.setAuthor(meta.author);
  doc.setCreator('legajo');
  doc.setProducer('legajo');
  doc.setLanguage(meta.language ?? 'es-CL');
  doc.setCreationDate(meta.createdAt);
  doc.setModificationDate(meta.createdAt);
  const font = await doc.embedFont(StandardFonts.Helvetica);

  for (const [i, scan] of pages.entries()) {
    const scale = 72 / scan.dpi;
    const width = scan.widthPx * scale;
    const height = scan.heightPx * scale;
    const grey = scan.imageType === 'png' ? greyPngStream(doc, scan, i + 1) : null;
    const image = grey ? null : await embedImage(doc, scan, i + 1);
    const page = doc.addPage([width, height]);
    if (image) page.drawImage(image, { x: 0, y: 0, width, height });
    else page.pushOperators(pushGraphicsState(), concatTransformationMatrix(width, 0, 0, height, 0, 0), drawObject(page.node.newXObject('Scan', grey!)), popGraphicsState());
    const operators = textLayer(page, font, scan, scale);
    if (operators.length > 0) page.pushOperators(...operators);
  }
  return doc.save({ useObjectStreams: false });
}

function validatePage(scan: ScannedPage, index: number): void {
  const n = index + 1;
  const fail = (detail: string) => new SearchablePdfError(`Página ${n}: ${detail}.`);
  if (scan.imageType !== 'png' && scan.imageType !== 'jpeg') throw fail(`el tipo de imagen «${String(scan.imageType)}» no es png ni jpeg`);
  const signature = scan.imageType === 'png' ? PNG_SIGNATURE : JPEG_SIGNATURE;
  if (!startsWith(scan.image, signature)) throw fail(`la imagen no es ${scan.imageType.toUpperCase()} aunque así se declaró`);
  if (!Number.isInteger(scan.widthPx) || !Number.isInteger(scan.heightPx) || scan.widthPx <= 0 || scan.heightPx <= 0) {
    throw fail(`las dimensiones ${scan.widthPx}×${scan.heightPx} px no son enteros positivos`);
  }
  if (!Number.isFinite(scan.dpi) || scan.dpi <= 0) throw fail(`la resolución ${scan.dpi} dpi no es un número positivo`);
  const sides = [scan.widthPx, scan.heightPx].map((px) => (px * 72) / scan.dpi);
  if (sides.some((pt) => pt < MIN_SIDE_PT || pt > MAX_SIDE_PT)) {
    throw fail(`a ${scan.dpi} dpi la página mediría ${sides.map((pt) => Math.round(pt)).join('×')} pt, fuera del rango de ${MIN_SIDE_PT} a ${MAX_SIDE_PT} pt`);
  }
  scan.words.forEach(({ bbox: b }, w) => {
    const inside = [b.x0, b.y0, b.x1, b.y1].every(Number.isFinite) && b.x0 >= 0 && b.y0 >= 0 && b.x1 <= scan.widthPx && b.y1 <= scan.heightPx;
    if (!inside || b.x0 >= b.x1 || b.y0 >= b.y1) {
      throw fail(`el recuadro de la palabra ${w + 1} (${b.x0}, ${b.y0}, ${b.x1}, ${b.y1}) no es un rectángulo dentro de la imagen de ${scan.widthPx}×${scan.heightPx} px`);
    }
  });
}

/**
 * An 8-bit greyscale, non-interlaced PNG (what the scan reader produces) goes in as it is: its IDAT data is a zlib
 * stream with PNG row filters, which is FlateDecode with predictor 15. Nothing is decoded, so a batch of hundreds of
 * pages holds only compressed images; pdf-lib's embedPng would keep every page's decoded bitmap until saving.
 * Other PNGs return null and take the embedPng path.
 */
function greyPngStream(doc: PDFDocument, scan: ScannedPage, n: number): PDFRef | null {
  const png = scan.image;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  // IHDR: width, height, bit depth, colour type, compression, filter, interlace.
  if (png.length < 33 || view.getUint32(16) === 0) return null;
  const [depth, colourType, , , interlace] = png.subarray(24, 29);
  if (depth !== 8 || colourType !== 0 || interlace !== 0) return null;
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width !== scan.widthPx || height !== scan.heightPx) {
    throw new SearchablePdfError(`Página ${n}: la imagen mide ${width}×${height} px, no los ${scan.widthPx}×${scan.heightPx} px declarados.`);
  }
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (at + 12 + length > png.length) throw new SearchablePdfError(`Página ${n}: la imagen PNG está dañada y no se puede leer.`);
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  if (idat.length === 0) throw new SearchablePdfError(`Página ${n}: la imagen PNG está dañada y no se puede leer.`);
  const data = idat.length === 1 ? idat[0]! : Buffer.concat(idat);
  const stream = doc.context.stream(data, {
    Type: 'XObject',
    Subtype: 'Image',
    Width: width,
    Height: height,
    ColorSpace: 'DeviceGray',
    BitsPerComponent: 8,
    Filter: 'FlateDecode',
    DecodeParms: { Predictor: 15, Colors: 1, BitsPerComponent: 8, Columns: width },
  });
  return doc.context.register(stream);
}

async function embedImage(doc: PDFDocument, scan: ScannedPage, n: number): Promise<PDFImage> {
  let image: PDFImage;
  try {
    image = scan.imageType === 'png' ? await doc.embedPng(scan.image) : await doc.embedJpg(scan.image);
  } catch {
    throw new SearchablePdfError(`Página ${n}: la imagen ${scan.imageType.toUpperCase()} está dañada y no se puede leer.`);
  }
  // The OCR boxes are in the image's pixels; if the declared size differs, the text would not fall on the words.
  if (image.width !== scan.widthPx || image.height !== scan.heightPx) {
    throw new SearchablePdfError(`Página ${n}: la imagen mide ${image.width}×${image.height} px, no los ${scan.widthPx}×${scan.heightPx} px declarados.`);
  }
  return image;
}

/** Tj applies no kerning, while pdf-lib's widthOfTextAtSize subtracts it, so the glyphs are measured one by one. */
const advance = (font: PDFFont, text: string, size: number) => [...text].reduce((sum, c) => sum + font.widthOfTextAtSize(c, size), 0);

interface Word {
  text: string;
  bbox: PixelBox;
}

/**
 * Consecutive words form a line until one starts left of the previous word or its vertical middle falls outside the
 * line's band: that is where the OCR reading order moves to the next line (or column).
 */
function groupLines(words: Word[]): Word[][] {
  const lines: Word[][] = [];
  let current: Word[] = [];
  let top = 0;
  let bottom = 0;
  let right = 0;
  for (const word of words) {
    const middle = (word.bbox.y0 + word.bbox.y1) / 2;
    if (current.length > 0 && (middle < top || middle > bottom || word.bbox.x0 < right)) {
      lines.push(current);
      current = [];
    }
    if (current.length === 0) [top, bottom] = [word.bbox.y0, word.bbox.y1];
    top = Math.min(top, word.bbox.y0);
    bottom = Math.max(bottom, word.bbox.y1);
    right = word.bbox.x1;
    current.push(word);
  }
  if (current.length > 0) lines.push(current);
  return lines;
}

/**
 * Invisible text for one page. All words of a line share one size and baseline, taken from the line's band, because
 * pdftotext and viewers join characters into a line only when size and baseline agree. Each word is placed at its own
 * box with Tz stretching it to the box width; the space shown after it gives readers that copy text a word break.
 */
function textLayer(page: PDFPage, font: PDFFont, scan: ScannedPage, scale: number): PDFOperator[] {
  const words = scan.words.map((w) => ({ text: winAnsiText(w.text).trim(), bbox: w.bbox })).filter((w) => w.text !== '');
  if (words.length === 0) return [];
  const fontKey = page.node.newFontDictionary(font.name, font.ref);
  const pageHeight = scan.heightPx * scale;
  const operators: PDFOperator[] = [pushGraphicsState(), beginText(), setTextRenderingMode(TextRenderingMode.Invisible)];
  for (const line of groupLines(words)) {
    const top = Math.min(...line.map((w) => w.bbox.y0));
    const bottom = Math.max(...line.map((w) => w.bbox.y1));
    const size = round(font.sizeAtHeight((bottom - top) * scale));
    const descent = font.heightAtSize(size) - font.heightAtSize(size, { descender: false });
    const baseline = round(pageHeight - bottom * scale + descent);
    operators.push(setFontAndSize(fontKey, size));
    line.forEach((word, i) => {
      const shown = i < line.length - 1 ? `${word.text} ` : word.text;
      const squeeze = round((100 * (word.bbox.x1 - word.bbox.x0) * scale) / advance(font, word.text, size));
      operators.push(setTextMatrix(1, 0, 0, 1, round(word.bbox.x0 * scale), baseline), setCharacterSqueeze(squeeze), showText(font.encodeText(shown)));
    });
  }
  operators.push(endText(), popGraphicsState());
  return operators;
}
