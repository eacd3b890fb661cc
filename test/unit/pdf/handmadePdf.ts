import { deflateSync } from 'node:zlib';
import type { Segment } from '../content/countingSource.ts';

/** An object written as is, a stream (its data may be a virtual run), or an object stored in an object stream. */
export type HandObject = string | { dict: string; data: Uint8Array | { length: number; fill: number } } | { inObjectStream: number; index: number };

/**
 * Writes a PDF by hand, with exact offsets, for structures pdf-lib will not produce (object-stream bombs, cycles,
 * lying counts, gigabyte-sized streams that are never materialised). Object i+1 is objects[i]. The cross-reference
 * is a table, or an uncompressed xref stream when any object lives in an object stream. `trailer` holds the
 * trailer's entries without << >> or /Size.
 */
export function handmadePdf(objects: HandObject[], trailer: string, version = '1.7'): Segment[] {
  const segments: Segment[] = [];
  let size = 0;
  const push = (s: Segment) => {
    segments.push(s);
    size += typeof s === 'number' ? s : s.length;
  };
  const text = (s: string) => push(new Uint8Array(Buffer.from(s, 'latin1')));
  text(`%PDF-${version}\n%\xe2\xe3\xcf\xd3\n`);
  const entries: { type: 0 | 1 | 2; a: number; b: number }[] = [{ type: 0, a: 0, b: 65535 }];
  objects.forEach((o, i) => {
    const num = i + 1;
    if (typeof o === 'object' && 'inObjectStream' in o) {
      entries.push({ type: 2, a: o.inObjectStream, b: o.index });
      return;
    }
    entries.push({ type: 1, a: size, b: 0 });
    if (typeof o === 'string') return text(`${num} 0 obj\n${o}\nendobj\n`);
    text(`${num} 0 obj\n<<${o.dict} /Length ${o.data.length}>>\nstream\n`);
    push(o.data);
    text('\nendstream\nendobj\n');
  });
  const startxref = size;
  const xrefNum = entries.length;
  if (entries.some((e) => e.type === 2)) {
    entries.push({ type: 1, a: startxref, b: 0 });
    const rows = Buffer.alloc(entries.length * 7);
    entries.forEach((e, i) => {
      rows.writeUInt8(e.type, i * 7);
      rows.writeUInt32BE(e.a, i * 7 + 1);
      rows.writeUInt16BE(e.b, i * 7 + 5);
    });
    text(`${xrefNum} 0 obj\n<</Type /XRef /Size ${entries.length} /W [1 4 2] ${trailer} /Length ${rows.length}>>\nstream\n`);
    push(new Uint8Array(rows));
    text('\nendstream\nendobj\n');
  } else {
    const lines = entries.map((e) => `${String(e.a).padStart(10, '0')} ${String(e.b).padStart(5, '0')} ${e.type === 0 ? 'f' : 'n'} \n`);
    text(`xref\n0 ${entries.length}\n${lines.join('')}trailer\n<</Size ${entries.length} ${trailer}>>\n`);
  }
  text(`startxref\n${startxref}\n%%EOF\n`);
  return segments;
}

/** The bytes of a handmade PDF without virtual runs. */
export function pdfBytes(segments: Segment[]): Uint8Array {
  return new Uint8Array(Buffer.concat(segments.map((s) => (s instanceof Uint8Array ? s : Buffer.alloc(typeof s === 'number' ? s : s.length, typeof s === 'number' ? 0 : s.fill)))));
}

/**
 * An object stream holding `members` (object number and body), compressed, with `padding` blank bytes between its
 * header and the first object: a few kilobytes of deflate inflate to that many megabytes.
 */
export function objectStream(members: { num: number; body: string }[], padding = 0): { dict: string; data: Uint8Array } {
  let offset = 0;
  const header = members.map((m) => {
    const pair = `${m.num} ${offset}`;
    offset += m.body.length + 1;
    return pair;
  });
  const head = `${header.join(' ')}\n`;
  const content = Buffer.concat([Buffer.from(head), Buffer.alloc(padding, 0x20), Buffer.from(members.map((m) => m.body).join('\n') + '\n')]);
  return { dict: `/Type /ObjStm /N ${members.length} /First ${head.length + padding} /Filter /FlateDecode`, data: new Uint8Array(deflateSync(content)) };
}
