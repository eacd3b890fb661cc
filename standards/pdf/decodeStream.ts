import { constants, inflateRawSync } from 'node:zlib';
import { isDict, isName, isNonNegativeInteger, type PdfDict, type PdfValue } from './PdfObject.ts';
import { corruptPdf } from './PdfRejectedError.ts';

/**
 * Decodes a structural stream (xref stream, object stream, XMP) with a hard cap on the output: inflation stops as
 * soon as it passes `maxOutput`, so a small "deflate bomb" cannot allocate gigabytes (pdf.js, by contrast, inflates
 * without limit). Only FlateDecode is supported, the filter producers use for these streams; `what` names the
 * stream in messages.
 */
export function decodeStream(raw: Uint8Array, dict: PdfDict, maxOutput: number, what: string): Uint8Array {
  const filters = asList(dict.get('Filter'));
  const params = asList(dict.get('DecodeParms'));
  if (filters.length === 0) {
    if (raw.length > maxOutput) throw corruptPdf(`${what} supera ${maxOutput} bytes`);
    return raw;
  }
  if (filters.length > 1 || !isName(filters[0], 'FlateDecode')) {
    throw corruptPdf(`${what} usa un filtro no admitido (${describe(filters)}); solo se admite FlateDecode`);
  }
  // The zlib header is checked here and the deflate data inflated raw, so a wrong or missing Adler-32 checksum (common
  // in the wild, and ignored by viewers) is tolerated; Z_SYNC_FLUSH likewise accepts data that stops without its end.
  if (raw.length < 2 || (raw[0]! & 0x0f) !== 8 || ((raw[0]! << 8) | raw[1]!) % 31 !== 0 || (raw[1]! & 0x20) !== 0) {
    throw corruptPdf(`${what} no tiene una cabecera zlib válida`);
  }
  let inflated: Uint8Array;
  try {
    inflated = inflateRawSync(raw.subarray(2), { maxOutputLength: maxOutput, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw corruptPdf(`${what} se expande a más de ${maxOutput} bytes`);
    throw corruptPdf(`${what} no se puede descomprimir: sus datos comprimidos están dañados`);
  }
  const p = params[0];
  return isDict(p) ? unpredict(inflated, p, what) : inflated;
}

function unpredict(data: Uint8Array, p: PdfDict, what: string): Uint8Array {
  const predictor = num(p.get('Predictor'), 1);
  if (predictor === 1) return data;
  const colors = num(p.get('Colors'), 1);
  const bpc = num(p.get('BitsPerComponent'), 8);
  const columns = num(p.get('Columns'), 1);
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLength = Math.ceil((colors * bpc * columns) / 8);
  if (rowLength === 0 || rowLength > 1 << 20) throw corruptPdf(`${what} declara parámetros de predictor inválidos`);
  if (predictor === 2) {
    if (bpc !== 8) throw corruptPdf(`${what} usa un predictor TIFF no admitido`);
    const out = Uint8Array.from(data);
    for (let row = 0; row < out.length; row += rowLength) {
      for (let i = row + bpp; i < Math.min(row + rowLength, out.length); i++) out[i] = (out[i]! + out[i - bpp]!) & 0xff;
    }
    return out;
  }
  if (predictor < 10) throw corruptPdf(`${what} usa un predictor desconocido (${predictor})`);
  // PNG predictors: each row starts with its own filter type (None, Sub, Up, Average, Paeth).
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLength + 1)]!;
    const src = r * (rowLength + 1) + 1;
    const dst = r * rowLength;
    for (let i = 0; i < rowLength; i++) {
      const left = i >= bpp ? out[dst + i - bpp]! : 0;
      const up = r > 0 ? out[dst - rowLength + i]! : 0;
      const upLeft = r > 0 && i >= bpp ? out[dst - rowLength + i - bpp]! : 0;
      const x = data[src + i]!;
      let v: number;
      if (type === 0) v = x;
      else if (type === 1) v = x + left;
      else if (type === 2) v = x + up;
      else if (type === 3) v = x + ((left + up) >> 1);
      else if (type === 4) v = x + paeth(left, up, upLeft);
      else throw corruptPdf(`${what} tiene una fila con un filtro PNG desconocido (${type})`);
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function asList(v: PdfValue | undefined): PdfValue[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

function num(v: PdfValue | undefined, fallback: number): number {
  return isNonNegativeInteger(v) ? v : fallback;
}

function describe(filters: PdfValue[]): string {
  return filters.map((f) => (isName(f) ? f.name : '?')).join(', ');
}
