import type { RangeSource } from '../content/RangeSource.ts';
import { ChunkedReader } from './ChunkedReader.ts';
import { countPages } from './countPages.ts';
import { locateStartXref } from './locateStartXref.ts';
import { isDict, isName, PdfStream, type PdfDict, type PdfValue } from './PdfObject.ts';
import { PdfFile } from './PdfFile.ts';
import { corruptPdf, PdfRejectedError } from './PdfRejectedError.ts';

/** How a page image's samples are encoded, as far as a scan reader can take them. */
export type PageImageEncoding = 'jpeg' | 'flate' | 'none';

/** The image that stands for one scanned page, located in the file but not read. */
export interface PdfPageImage {
  /** 1-based page number. */
  page: number;
  width: number;
  height: number;
  encoding: PageImageEncoding;
  /** 1 (grey, or an image mask) or 3 (RGB); for JPEG, what the PDF declares (the JPEG's own header prevails). */
  channels: 1 | 3 | 4;
  bitsPerComponent: 1 | 8;
  /** The /Decode array asks for inverted samples (or an image mask painting where samples are 1). */
  inverted: boolean;
  /** FlateDecode's /DecodeParms, kept for the predictor. */
  decodeParms: PdfDict | null;
  /** Where the still-encoded samples lie in the file. */
  start: number;
  length: number;
  /** Resolution implied by the image size against the page's MediaBox, in dots per inch. */
  dpi: number;
  /** The page's /Rotate, clockwise degrees to apply when showing it. */
  rotate: 0 | 90 | 180 | 270;
}

export type ScanPdfRejectionReason = 'no-images' | 'unsupported-encoding' | 'too-large';

/** A PDF that is well formed but is not a scan this service can read; the message says why and what to do. */
export class ScanPdfRejectedError extends Error {
  constructor(
    readonly reason: ScanPdfRejectionReason,
    message: string,
  ) {
    super(message);
    this.name = 'ScanPdfRejectedError';
  }
}

export interface PageImageLimits {
  maxPages: number;
  /** Largest /Width × /Height accepted, judged on the declaration before a sample is read. */
  maxPixels: number;
}

const MIB = 1024 * 1024;
/** Page trees, resources and forms of a scan are small; the samples are never read here. */
const STRUCTURE_BUDGET = 64 * MIB;
/** Scanner PDFs draw the page image directly or in one wrapping form; deeper nesting is not a scan. */
const MAX_FORM_DEPTH = 3;
const MAX_TREE_DEPTH = 64;
/** Encodings a scanner may use that this reader does not decode, with the name a person would recognise. */
const UNSUPPORTED: Record<string, string> = {
  CCITTFaxDecode: 'CCITT G3/G4 (fax)',
  JBIG2Decode: 'JBIG2',
  JPXDecode: 'JPEG 2000',
  RunLengthDecode: 'RunLength',
  LZWDecode: 'LZW',
  ASCII85Decode: 'ASCII85',
  ASCIIHexDecode: 'ASCIIHex',
};
const RESCAN = 'Configure el escáner para generar PDF con imágenes JPEG o sin pérdida (Flate), o envíe las páginas como TIFF o PNG.';

/**
 * The page images of a PDF made by a scanner: one image per page (the largest, when a page draws several, e.g. a
 * logo stamped over the scan), with what it takes to decode it later and the resolution it was captured at. Reads
 * the page tree, resources and image dictionaries only; every image's declared size is checked here, before any
 * sample is decoded. A PDF without any image is born-digital and refused; a page without one, likewise.
 */
export async function listPageImages(src: RangeSource, limits: PageImageLimits): Promise<PdfPageImage[]> {
  const reader = new ChunkedReader(src, STRUCTURE_BUDGET);
  const { startxref } = await locateStartXref(reader);
  const file = await PdfFile.open(reader, startxref, STRUCTURE_BUDGET);
  if (file.trailer.has('Encrypt')) {
    throw new PdfRejectedError('encrypted', 'El PDF está cifrado; envíe el escaneo sin contraseña ni restricciones de seguridad.');
  }
  const catalog = await file.resolve(file.trailer.get('Root'));
  if (!isDict(catalog)) throw corruptPdf('el trailer no apunta a un catálogo (/Root)');
  const count = await countPages(file, catalog, limits.maxPages);

  const leaves: Array<{ inherited: Inherited }> = [];
  await collectPages(file, await file.resolve(catalog.get('Pages')), { resources: null, mediaBox: null, rotate: 0 }, leaves, new Set(), 0);
  if (leaves.length !== count) throw corruptPdf(`el árbol de páginas declara ${count} páginas pero contiene ${leaves.length}`);

  const found = await Promise.all(leaves.map(async ({ inherited }) => ({ inherited, images: await imagesOf(file, inherited.resources, new Set(), 0) })));
  if (found.every((p) => p.images.length === 0)) {
    throw new ScanPdfRejectedError('no-images', 'No es una digitalización: el PDF no contiene imágenes; regístrelo como documento (POST /v1/documents).');
  }
  return Promise.all(found.map(({ inherited, images }, i) => describe(file, i + 1, inherited, images, limits)));
}

interface Inherited {
  resources: PdfDict | null;
  mediaBox: PdfValue[] | null;
  rotate: number;
}

/** Every leaf of the page tree in order, with the attributes it inherits (ISO 32000-1 §7.7.3.4). */
async function collectPages(file: PdfFile, node: PdfValue, parent: Inherited, out: Array<{ inherited: Inherited }>, path: Set<PdfDict>, depth: number): Promise<void> {
  if (!isDict(node) || path.has(node)) throw corruptPdf('el árbol de páginas contiene un nodo inválido o un ciclo');
  if (depth > MAX_TREE_DEPTH) throw corruptPdf(`el árbol de páginas tiene más de ${MAX_TREE_DEPTH} niveles`);
  const resources = await file.resolve(node.get('Resources'));
  const mediaBox = await file.resolve(node.get('MediaBox'));
  const rotate = await file.resolve(node.get('Rotate'));
  const inherited: Inherited = {
    resources: isDict(resources) ? resources : parent.resources,
    mediaBox: Array.isArray(mediaBox) ? mediaBox : parent.mediaBox,
    rotate: typeof rotate === 'number' ? rotate : parent.rotate,
  };
  const kids = await file.resolve(node.get('Kids'));
  if (isName(node.get('Type'), 'Page') || !Array.isArray(kids)) {
    out.push({ inherited });
    return;
  }
  path.add(node);
  for (const kid of kids) await collectPages(file, await file.resolve(kid), inherited, out, path, depth + 1);
  path.delete(node);
}

/** The image XObjects a page (or a form it draws) has in its resources. */
async function imagesOf(file: PdfFile, resources: PdfDict | null, seen: Set<PdfStream>, depth: number): Promise<PdfStream[]> {
  if (!resources || depth > MAX_FORM_DEPTH) return [];
  const xobjects = await file.resolve(resources.get('XObject'));
  if (!isDict(xobjects)) return [];
  const images: PdfStream[] = [];
  for (const value of xobjects.values()) {
    const x = await file.resolve(value);
    if (!(x instanceof PdfStream) || seen.has(x)) continue;
    seen.add(x);
    if (isName(x.dict.get('Subtype'), 'Image')) images.push(x);
    else if (isName(x.dict.get('Subtype'), 'Form')) {
      const inner = await file.resolve(x.dict.get('Resources'));
      images.push(...(await imagesOf(file, isDict(inner) ? inner : null, seen, depth + 1)));
    }
  }
  return images;
}

async function describe(file: PdfFile, page: number, inherited: Inherited, images: PdfStream[], limits: PageImageLimits): Promise<PdfPageImage> {
  if (images.length === 0) throw new ScanPdfRejectedError('no-images', `La página ${page} del PDF no contiene una imagen escaneada; digitalice todas las páginas o registre el PDF como documento.`);
  const sized = await Promise.all(images.map(async (stream) => ({ stream, width: await file.resolve(stream.dict.get('Width')), height: await file.resolve(stream.dict.get('Height')) })));
  for (const { width, height } of sized) {
    if (!isPositiveInteger(width) || !isPositiveInteger(height)) throw corruptPdf(`una imagen de la página ${page} no declara /Width y /Height válidos`);
    if (width * height > limits.maxPixels) {
      throw new ScanPdfRejectedError('too-large', `La imagen de la página ${page} declara ${width}×${height} píxeles; el máximo es ${limits.maxPixels}. Digitalice a menor resolución.`);
    }
  }
  const { stream, width, height } = sized.reduce((a, b) => ((b.width as number) * (b.height as number) > (a.width as number) * (a.height as number) ? b : a));
  const w = width as number;
  const h = height as number;
  const dict = stream.dict;
  const filters = asList(await file.resolve(dict.get('Filter')));
  const parms = asList(await file.resolve(dict.get('DecodeParms')));
  if (filters.length > 1) {
    throw new ScanPdfRejectedError('unsupported-encoding', `La imagen de la página ${page} usa varios filtros encadenados (${filters.map(nameOf).join(', ')}), que no se admiten. ${RESCAN}`);
  }
  const filter = filters.length === 0 ? null : nameOf(filters[0]!);
  const encoding: PageImageEncoding | null = filter === null ? 'none' : filter === 'FlateDecode' ? 'flate' : filter === 'DCTDecode' ? 'jpeg' : null;
  if (encoding === null) {
    throw new ScanPdfRejectedError('unsupported-encoding', `La imagen de la página ${page} está codificada en ${UNSUPPORTED[filter!] ?? filter}, que no se admite. ${RESCAN}`);
  }

  const mask = (await file.resolve(dict.get('ImageMask'))) === true;
  const bpc = mask ? 1 : await file.resolve(dict.get('BitsPerComponent'));
  const channels = mask ? 1 : await channelsOf(file, await file.resolve(dict.get('ColorSpace')), page);
  if (encoding !== 'jpeg' && bpc !== 1 && bpc !== 8) {
    throw new ScanPdfRejectedError('unsupported-encoding', `La imagen de la página ${page} tiene ${String(bpc)} bits por componente; se admiten 1 y 8. ${RESCAN}`);
  }
  if (encoding !== 'jpeg' && channels === 4) {
    throw new ScanPdfRejectedError('unsupported-encoding', `La imagen de la página ${page} está en CMYK sin comprimir en JPEG, que no se admite. ${RESCAN}`);
  }
  const decode = await file.resolve(dict.get('Decode'));
  // An image mask paints where samples are 0 unless /Decode is [1 0]: read as grey, 0 is black either way.
  const inverted = Array.isArray(decode) && decode[0] === 1 && decode[1] === 0;

  return {
    page,
    width: w,
    height: h,
    encoding,
    channels,
    bitsPerComponent: bpc === 1 ? 1 : 8,
    inverted,
    decodeParms: isDict(parms[0]) ? parms[0] : null,
    start: stream.start,
    length: stream.length,
    dpi: impliedDpi(inherited.mediaBox, w, page),
    rotate: normaliseRotation(inherited.rotate),
  };
}

/** Channels of DeviceGray/RGB/CMYK, their calibrated and ICC-based forms; indexed and special spaces are refused. */
async function channelsOf(file: PdfFile, space: PdfValue, page: number): Promise<1 | 3 | 4> {
  const name = isName(space) ? space.name : Array.isArray(space) && isName(space[0]) ? space[0].name : null;
  if (name === 'DeviceGray' || name === 'CalGray') return 1;
  if (name === 'DeviceRGB' || name === 'CalRGB') return 3;
  if (name === 'DeviceCMYK') return 4;
  if (name === 'ICCBased' && Array.isArray(space)) {
    const profile = await file.resolve(space[1]);
    const n = profile instanceof PdfStream ? await file.resolve(profile.dict.get('N')) : null;
    if (n === 1 || n === 3 || n === 4) return n;
  }
  throw new ScanPdfRejectedError('unsupported-encoding', `La imagen de la página ${page} usa el espacio de color ${name ?? 'desconocido'}, que no se admite; se admiten escala de grises y RGB. ${RESCAN}`);
}

/** The image spans the page, so its pixels over the page's width in inches are its resolution. */
function impliedDpi(mediaBox: PdfValue[] | null, widthPx: number, page: number): number {
  if (!mediaBox || mediaBox.length !== 4 || !mediaBox.every((v) => typeof v === 'number')) throw corruptPdf(`la página ${page} no tiene un /MediaBox válido`);
  // The image is drawn in unrotated page space, so its width lies along the MediaBox width whatever /Rotate says.
  const [x0, , x1] = mediaBox as number[];
  const inches = Math.abs(x1! - x0!) / 72;
  if (!(inches > 0)) throw corruptPdf(`la página ${page} tiene un /MediaBox vacío`);
  return Math.round(widthPx / inches);
}

function normaliseRotation(rotate: number): 0 | 90 | 180 | 270 {
  const r = (((Math.round(rotate / 90) * 90) % 360) + 360) % 360;
  return r as 0 | 90 | 180 | 270;
}

const isPositiveInteger = (v: PdfValue): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const asList = (v: PdfValue): PdfValue[] => (v === null ? [] : Array.isArray(v) ? v : [v]);
const nameOf = (v: PdfValue): string => (isName(v) ? v.name : '?');
