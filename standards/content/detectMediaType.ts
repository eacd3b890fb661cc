import { classifyZipDocument } from './classifyZipDocument.ts';
import { inspectJson } from './inspectJson.ts';
import { inspectXmlProlog } from './inspectXmlProlog.ts';
import type { RangeSource } from './RangeSource.ts';

export type MediaTypeRejectionReason =
  /** no bytes */
  | 'empty'
  /** a format outside the allow-list (or a variant of one that is refused, e.g. with macros) */
  | 'not-allowed'
  /** looks like an allowed format but is broken: invalid JSON, a damaged zip directory, an unfinished XML prolog */
  | 'malformed'
  /** XML declaring entities or an external DTD */
  | 'unsafe-xml';

export type MediaTypeDetection =
  | { ok: true; mediaType: string; extension: string }
  | { ok: false; reason: MediaTypeRejectionReason; message: string };

export const ALLOWED_FORMATS = 'PDF, PDF/A, XML, JSON, PNG, JPEG, TIFF, ODF, OOXML';

/** Enough for every signature and for an XML prolog; larger prologs are refused. */
const HEAD = 64 * 1024;

/** Recognised formats outside the allow-list, named so that the user learns what was sent. */
const REFUSED_SIGNATURES: { bytes: number[]; name: string }[] = [
  { bytes: [0x4d, 0x5a], name: 'un ejecutable de Windows' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], name: 'un ejecutable ELF' },
  { bytes: [0x47, 0x49, 0x46, 0x38], name: 'una imagen GIF' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], name: 'un documento de Office en formato antiguo (OLE2: .doc, .xls, .ppt)' },
  { bytes: [0x7b, 0x5c, 0x72, 0x74, 0x66], name: 'un documento RTF' },
  { bytes: [0x1f, 0x8b], name: 'un archivo comprimido gzip' },
  { bytes: [0x52, 0x61, 0x72, 0x21], name: 'un archivo comprimido RAR' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], name: 'un archivo comprimido 7z' },
];

/**
 * The format of an upload from its bytes alone; the file name and the declared Content-Type are never consulted
 * (DESIGN §10). PDF/A is a PDF here: whether it claims PDF/A is inspectPdf's answer.
 */
export async function detectMediaType(src: RangeSource): Promise<MediaTypeDetection> {
  if (src.size === 0) return reject('empty', 'El contenido está vacío. Envíe un archivo en uno de los formatos admitidos: ' + ALLOWED_FORMATS + '.');
  const head = await src.read(0, Math.min(src.size, HEAD));
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);

  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d) && /^\d\.\d/.test(ascii(head.subarray(5, 8)))) return found('application/pdf', 'pdf');
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) && ascii(head.subarray(12, 16)) === 'IHDR') return found('image/png', 'png');
  if (starts(0xff, 0xd8, 0xff) && (head[3] ?? 0) >= 0xc0 && head[3] !== 0xff) return found('image/jpeg', 'jpg');
  if (isTiff(head, src.size)) return found('image/tiff', 'tiff');
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    const zip = await classifyZipDocument(src, head);
    return zip.ok ? found(zip.mediaType, zip.extension) : refuse(zip.reason, zip.detail);
  }
  const known = REFUSED_SIGNATURES.find((s) => starts(...s.bytes));
  if (known) return refuse('not-allowed', `se detectó ${known.name}`);
  return detectText(src, head);
}

async function detectText(src: RangeSource, head: Uint8Array): Promise<MediaTypeDetection> {
  const utf16 = head[0] === 0xfe && head[1] === 0xff ? 'utf-16be' : head[0] === 0xff && head[1] === 0xfe ? 'utf-16le' : null;
  if (utf16 === null && head.includes(0)) return refuse('not-allowed', 'se detectó contenido binario de un formato no reconocido');
  // Latin-1 reads the ASCII markup of every ASCII-compatible encoding (UTF-8, ISO-8859-1, windows-1252) alike.
  const text = new TextDecoder(utf16 ?? 'latin1').decode(head).replace(/^(\u00ef\u00bb\u00bf|\ufeff)/, '');
  const first = /\S/.exec(text)?.[0];
  if (first === '<') {
    const prolog = inspectXmlProlog(text, head.length === src.size);
    if (prolog.ok) return found('application/xml', 'xml');
    if (prolog.reason === 'unsafe-xml') return reject('unsafe-xml', `El XML no se admite: ${prolog.detail}. Envíe el XML sin DOCTYPE con entidades ni DTD externa.`);
    return refuse(prolog.reason, prolog.detail);
  }
  if ((first === '{' || first === '[') && utf16 !== null) return refuse('malformed', 'el JSON debe estar codificado en UTF-8');
  if (first === '{' || first === '[') {
    const json = await inspectJson(src, head);
    return json.ok ? found('application/json', 'json') : refuse('malformed', json.detail);
  }
  return refuse('not-allowed', first === undefined ? 'solo hay espacios en blanco' : 'se detectó texto que no es JSON ni XML');
}

/** Classic TIFF in either byte order, with its first directory inside the file (BigTIFF is not admitted). */
function isTiff(head: Uint8Array, size: number): boolean {
  if (head.length < 8) return false;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const little = head[0] === 0x49 && head[1] === 0x49;
  if (!(little || (head[0] === 0x4d && head[1] === 0x4d)) || v.getUint16(2, little) !== 42) return false;
  const ifd = v.getUint32(4, little);
  return ifd >= 8 && ifd < size;
}

function found(mediaType: string, extension: string): MediaTypeDetection {
  return { ok: true, mediaType, extension };
}

function refuse(reason: 'not-allowed' | 'malformed', detail: string): MediaTypeDetection {
  return reject(
    reason,
    reason === 'malformed'
      ? `El contenido no es válido (${detail}). Corríjalo y vuelva a enviarlo.`
      : `El contenido no corresponde a un formato admitido (${detail}). Formatos admitidos: ${ALLOWED_FORMATS}.`,
  );
}

function reject(reason: MediaTypeRejectionReason, message: string): MediaTypeDetection {
  return { ok: false, reason, message };
}

function ascii(b: Uint8Array): string {
  return String.fromCharCode(...b);
}
