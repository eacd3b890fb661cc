import type { PDFObject, PDFRef } from 'pdf-lib';
import { PdfSigningError } from './PdfSigningError.ts';

export interface XrefTail {
  /** Offset of the last cross-reference section (the file's final startxref). */
  startxref: number;
  /** Whether that section is a classic table or a cross-reference stream; the update follows suit. */
  kind: 'table' | 'stream';
  /** The /Size the last section declares. */
  size: number;
}

export interface UpdateObject {
  ref: PDFRef;
  /** The object as written between "N G obj" and "endobj". */
  body: Buffer;
}

export interface UpdateTrailer {
  /** First object number free after the new objects; a cross-reference stream takes this number. */
  nextObjectNumber: number;
  root: PDFObject;
  info?: PDFObject;
  id?: PDFObject;
}

/** Reads where the last cross-reference section is, so an update can chain to it with /Prev. */
export function readXrefTail(pdf: Buffer): XrefTail {
  const at = pdf.lastIndexOf('startxref');
  const match = at < 0 ? null : /^startxref\s+(\d+)/.exec(pdf.subarray(at, at + 40).toString('latin1'));
  const startxref = match ? Number(match[1]) : -1;
  if (startxref < 0 || startxref >= pdf.length) {
    throw new PdfSigningError('El PDF no termina con una referencia cruzada válida (startxref); repárelo antes de firmar.');
  }
  const head = pdf.subarray(startxref, startxref + 64).toString('latin1');
  const kind = /^\s*xref/.test(head) ? 'table' : /^\s*\d+\s+\d+\s+obj/.test(head) ? 'stream' : undefined;
  // The trailer dictionary follows a table; a stream's dictionary precedes its data.
  const from = kind === 'table' ? pdf.indexOf('trailer', startxref) : startxref;
  const to = kind === 'table' ? pdf.indexOf('startxref', from) : pdf.indexOf('stream', startxref);
  const size = kind && from >= 0 && to > from ? /\/Size\s+(\d+)/.exec(pdf.subarray(from, to).toString('latin1')) : null;
  if (!kind || !size) {
    throw new PdfSigningError('La tabla de referencias cruzadas del PDF está dañada; repárelo antes de firmar.');
  }
  return { startxref, kind, size: Number(size[1]) };
}

/**
 * Appends objects as an incremental update (ISO 32000-1 §7.5.6): the original bytes stay exactly as they were, so
 * earlier signatures keep covering them. The new cross-reference section chains to the previous one with /Prev and
 * has the same form (table or stream) so readers that handle the original also handle the update.
 */
export function appendIncrementalUpdate(pdf: Buffer, tail: XrefTail, objects: UpdateObject[], trailer: UpdateTrailer): Buffer {
  const chunks: Buffer[] = [pdf];
  let offset = pdf.length;
  const push = (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    chunks.push(bytes);
    offset += bytes.length;
  };
  if (pdf[pdf.length - 1] !== 0x0a && pdf[pdf.length - 1] !== 0x0d) push('\n');

  const entries: { number: number; generation: number; offset: number }[] = [];
  for (const { ref, body } of objects) {
    entries.push({ number: ref.objectNumber, generation: ref.generationNumber, offset });
    push(`${ref.objectNumber} ${ref.generationNumber} obj\n`);
    push(body);
    push('\nendobj\n');
  }

  const trailerEntries = [
    `/Root ${trailer.root.toString()}`,
    ...(trailer.info ? [`/Info ${trailer.info.toString()}`] : []),
    ...(trailer.id ? [`/ID ${trailer.id.toString()}`] : []),
    `/Prev ${tail.startxref}`,
  ];
  const xrefOffset = offset;
  if (tail.kind === 'table') {
    const size = Math.max(tail.size, trailer.nextObjectNumber);
    push(`xref\n${xrefTable(entries)}trailer\n<< /Size ${size} ${trailerEntries.join(' ')} >>\n`);
  } else {
    const number = trailer.nextObjectNumber;
    entries.push({ number, generation: 0, offset: xrefOffset });
    const { index, data } = xrefStreamData(entries);
    const size = Math.max(tail.size, number + 1);
    push(
      `${number} 0 obj\n<< /Type /XRef /Size ${size} /W [1 4 2] /Index [${index}] ${trailerEntries.join(' ')} /Length ${data.length} >>\nstream\n`,
    );
    push(data);
    push('\nendstream\nendobj\n');
  }
  push(`startxref\n${xrefOffset}\n%%EOF\n`);
  return Buffer.concat(chunks);
}

/** Subsections of consecutive object numbers; each entry is exactly 20 bytes as the format requires. */
function xrefTable(entries: { number: number; generation: number; offset: number }[]): string {
  const sorted = [...entries].sort((a, b) => a.number - b.number);
  let out = '';
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]!.number === sorted[j]!.number + 1) j++;
    out += `${sorted[i]!.number} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) {
      const e = sorted[k]!;
      out += `${String(e.offset).padStart(10, '0')} ${String(e.generation).padStart(5, '0')} n\r\n`;
    }
    i = j + 1;
  }
  return out;
}

/** Uncompressed cross-reference stream rows: type 1 (in use), 4-byte offset, 2-byte generation. */
function xrefStreamData(entries: { number: number; generation: number; offset: number }[]): { index: string; data: Buffer } {
  const sorted = [...entries].sort((a, b) => a.number - b.number);
  const data = Buffer.alloc(sorted.length * 7);
  sorted.forEach((e, i) => {
    data.writeUInt8(1, i * 7);
    data.writeUInt32BE(e.offset, i * 7 + 1);
    data.writeUInt16BE(e.generation, i * 7 + 5);
  });
  return { index: sorted.map((e) => `${e.number} 1`).join(' '), data };
}
