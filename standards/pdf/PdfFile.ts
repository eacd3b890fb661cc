import type { ChunkedReader } from './ChunkedReader.ts';
import { decodeStream } from './decodeStream.ts';
import { isDict, isName, isNonNegativeInteger, PdfRef, PdfStream, type PdfDict, type PdfValue } from './PdfObject.ts';
import { NeedMoreData, PdfParser } from './PdfParser.ts';
import { corruptPdf } from './PdfRejectedError.ts';

/** ISO 32000 Annex C: no PDF has more indirect objects than this. */
const MAX_OBJECT_NUMBER = 8_388_607;
/** Incremental updates are few; a long /Prev chain is a loop or an attack. */
const MAX_SECTIONS = 1000;
/** Largest object (without its stream data) or object stream read for inspection. */
const MAX_OBJECT_BYTES = 8 * 1024 * 1024;
/** How deep a chain of references (a ref to a ref to …) or a /Length indirection may go. */
const MAX_INDIRECTION = 32;

type Section =
  | { kind: 'table'; subsections: { first: number; count: number; at: number; entryLength: number }[] }
  | { kind: 'stream'; subsections: { first: number; count: number; row: number }[]; widths: number[]; data: Uint8Array };

type Entry = { type: 'free' } | { type: 'offset'; offset: number } | { type: 'compressed'; stream: number; index: number };

/**
 * Random access to a PDF's objects through its cross-reference sections (tables and streams, incremental updates
 * and hybrid files), reading only what is asked for. Strict where pdf.js is lenient: a cross-reference entry
 * that does not lead to its object is a defect, not a reason to rebuild the table by scanning the whole file.
 */
export class PdfFile {
  private readonly sections: Section[] = [];
  private readonly cache = new Map<number, PdfValue>();
  private readonly objectStreams = new Map<number, { data: Uint8Array; entries: { num: number; offset: number }[]; first: number }>();
  private decodedBytes = 0;
  /** The newest trailer's entries, completed by older trailers' entries it lacks. */
  readonly trailer: PdfDict = new Map();

  private constructor(
    private readonly reader: ChunkedReader,
    private readonly maxDecodedBytes: number,
  ) {}

  static async open(reader: ChunkedReader, startxref: number, maxDecodedBytes: number): Promise<PdfFile> {
    const file = new PdfFile(reader, maxDecodedBytes);
    const visited = new Set<number>();
    const pending = [startxref];
    while (pending.length > 0) {
      const offset = pending.shift()!;
      if (visited.has(offset)) continue;
      if (visited.size >= MAX_SECTIONS) throw corruptPdf(`tiene más de ${MAX_SECTIONS} secciones de referencias cruzadas`);
      visited.add(offset);
      const trailer = await file.readSection(offset);
      for (const [k, v] of trailer) if (!file.trailer.has(k)) file.trailer.set(k, v);
      // A hybrid file's /XRefStm completes this section; /Prev is the previous revision.
      const next = [trailer.get('XRefStm'), trailer.get('Prev')].filter((v): v is number => isNonNegativeInteger(v));
      for (const n of next) if (n >= reader.size) throw corruptPdf(`una sección de referencias cruzadas apunta fuera del archivo (byte ${n})`);
      pending.unshift(...next);
    }
    return file;
  }

  /** Follows references until a direct value; a missing or free object is null, as ISO 32000 says. */
  async resolve(v: PdfValue | undefined): Promise<PdfValue> {
    for (let i = 0; v instanceof PdfRef; i++) {
      if (i >= MAX_INDIRECTION) throw corruptPdf('hay una cadena de referencias circular');
      v = await this.fetch(v);
    }
    return v ?? null;
  }

  /** The stream's data, decoded, at most `maxOutput` bytes; counts against the document's decoding budget. */
  async streamBytes(s: PdfStream, maxOutput: number, what: string): Promise<Uint8Array> {
    const raw = await this.reader.read(s.start, s.start + s.length);
    const after = new TextDecoder('latin1').decode(await this.reader.read(s.start + s.length, s.start + s.length + 32));
    if (raw.length !== s.length || !/^\s*endstream/.test(after)) throw corruptPdf(`${what} no termina donde indica su /Length`);
    const dict: PdfDict = new Map(s.dict);
    for (const key of ['Filter', 'DecodeParms']) if (dict.has(key)) dict.set(key, await this.resolve(dict.get(key)));
    const room = this.maxDecodedBytes - this.decodedBytes;
    if (room <= 0) throw corruptPdf(`sus streams de estructura descomprimidos superan ${this.maxDecodedBytes} bytes`);
    const out = decodeStream(raw, dict, Math.min(maxOutput, room), what);
    this.decodedBytes += out.length;
    return out;
  }

  private async fetch(ref: PdfRef, depth = 0): Promise<PdfValue> {
    if (this.cache.has(ref.num)) return this.cache.get(ref.num)!;
    if (depth > MAX_INDIRECTION) throw corruptPdf('la longitud de un stream depende de sí misma');
    const entry = await this.entry(ref.num);
    let value: PdfValue = null;
    if (entry.type === 'offset') value = await this.readIndirectObject(entry.offset, ref.num, depth);
    if (entry.type === 'compressed') value = await this.readCompressedObject(entry.stream, entry.index, ref.num, depth);
    this.cache.set(ref.num, value);
    return value;
  }

  private async entry(num: number): Promise<Entry> {
    for (const section of this.sections) {
      if (section.kind === 'table') {
        const sub = section.subsections.find((s) => num >= s.first && num < s.first + s.count);
        if (!sub) continue;
        const at = sub.at + (num - sub.first) * sub.entryLength;
        const text = new TextDecoder('latin1').decode(await this.reader.read(at, at + 18));
        const m = /^(\d{10}) (\d{5}) ([nf])$/.exec(text);
        if (!m) throw corruptPdf(`la entrada ${num} de la tabla de referencias cruzadas es inválida (byte ${at})`);
        return m[3] === 'n' ? { type: 'offset', offset: Number(m[1]) } : { type: 'free' };
      }
      const sub = section.subsections.find((s) => num >= s.first && num < s.first + s.count);
      if (!sub) continue;
      const rowLength = section.widths.reduce((a, b) => a + b, 0);
      let p = (sub.row + num - sub.first) * rowLength;
      const field = (i: number, fallback: number) => {
        const w = section.widths[i]!;
        if (w === 0) return fallback;
        let v = 0;
        for (let k = 0; k < w; k++) v = v * 256 + section.data[p++]!;
        return v;
      };
      const type = field(0, 1);
      const a = field(1, 0);
      const b = field(2, 0);
      if (type === 1) return { type: 'offset', offset: a };
      if (type === 2) return { type: 'compressed', stream: a, index: b };
      return { type: 'free' };
    }
    return { type: 'free' };
  }

  /** Reads a section at `offset` (a table or an xref stream), records it, and returns its trailer dictionary. */
  private async readSection(offset: number): Promise<PdfDict> {
    // Tolerate white space between where startxref points and the section.
    const lead = await this.reader.read(offset, offset + 64);
    const skip = lead.findIndex((c) => c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09);
    if (skip > 0) offset += skip;
    const start = new TextDecoder('latin1').decode(lead.subarray(Math.max(0, skip)));
    if (start.startsWith('xref')) return this.readTable(offset + 4);
    if (!/^\d+\s+\d+\s+obj\b/.test(start)) throw corruptPdf(`startxref o /Prev apunta al byte ${offset}, donde no hay una sección de referencias cruzadas`);
    const { value } = await this.parseAt(offset, (p) => {
      p.objectHeader();
      const dict = p.value();
      return isDict(dict) ? { dict, streamAt: this.streamDataStart(p) } : null;
    });
    if (value === null || value.streamAt === null || !isName(value.dict.get('Type'), 'XRef')) {
      throw corruptPdf(`startxref o /Prev apunta al byte ${offset}, donde no hay una sección de referencias cruzadas`);
    }
    const dict = value.dict;
    const widths = dict.get('W');
    const size = dict.get('Size');
    if (!Array.isArray(widths) || widths.length !== 3 || !widths.every((w) => isNonNegativeInteger(w) && w <= 8) || !isNonNegativeInteger(size)) {
      throw corruptPdf(`el stream de referencias cruzadas del byte ${offset} tiene /W o /Size inválidos`);
    }
    const index = dict.get('Index') ?? [0, size];
    if (!Array.isArray(index) || index.length % 2 !== 0 || !index.every(isNonNegativeInteger)) throw corruptPdf(`el /Index del stream de referencias cruzadas del byte ${offset} es inválido`);
    const subsections: { first: number; count: number; row: number }[] = [];
    let rows = 0;
    for (let i = 0; i < index.length; i += 2) {
      const first = index[i] as number;
      const count = index[i + 1] as number;
      if (first + count > MAX_OBJECT_NUMBER + 1) throw corruptPdf(`declara objetos más allá del máximo de ${MAX_OBJECT_NUMBER}`);
      subsections.push({ first, count, row: rows });
      rows += count;
    }
    const rowLength = (widths as number[]).reduce((a, b) => a + b, 0);
    const length = await this.streamLength(dict, 0);
    // Room for the PNG predictor's filter byte on every row.
    const data = await this.streamBytes(new PdfStream(dict, value.streamAt, length), rows * (rowLength + 1) + 1024, 'el stream de referencias cruzadas');
    if (data.length < rows * rowLength) throw corruptPdf(`el stream de referencias cruzadas del byte ${offset} es más corto de lo que declara`);
    this.sections.push({ kind: 'stream', subsections, widths: widths as number[], data });
    return dict;
  }

  private async readTable(at: number): Promise<PdfDict> {
    const subsections: { first: number; count: number; at: number; entryLength: number }[] = [];
    for (;;) {
      const { value, end } = await this.parseAt(at, (p) => {
        const word = p.keyword();
        if (word === 'trailer') return { trailer: p.value() };
        p.pos -= word.length;
        const first = p.integer();
        const count = p.integer();
        p.skipSpace();
        return { first, count };
      });
      if ('trailer' in value) {
        if (!isDict(value.trailer)) throw corruptPdf('el trailer no es un diccionario');
        this.sections.push({ kind: 'table', subsections });
        return value.trailer;
      }
      const { count } = value;
      let { first } = value;
      // A known writer bug numbers the first subsection from 1 although it starts with object 0's free entry.
      if (first === 1 && subsections.length === 0 && /^0{10} 65535 f/.test(new TextDecoder('latin1').decode(await this.reader.read(end, end + 18)))) first = 0;
      if (first + count > MAX_OBJECT_NUMBER + 1) throw corruptPdf(`declara objetos más allá del máximo de ${MAX_OBJECT_NUMBER}`);
      // Entries are 20 bytes ("oooooooooo ggggg n" and a two-byte end of line); some writers use one byte.
      const sample = count > 0 ? await this.reader.read(end + 18, end + 20) : new Uint8Array(0);
      const entryLength = sample[0] === 0x0a || (sample[0] === 0x0d && sample[1] !== 0x0a) ? 19 : 20;
      subsections.push({ first, count, at: end, entryLength });
      at = end + count * entryLength;
      if (at > this.reader.size) throw corruptPdf('la tabla de referencias cruzadas sigue más allá del fin del archivo');
    }
  }

  private async readIndirectObject(offset: number, num: number, depth: number): Promise<PdfValue> {
    if (offset >= this.reader.size) throw corruptPdf(`el objeto ${num} está fuera del archivo (byte ${offset})`);
    const { value } = await this.parseAt(offset, (p) => {
      const header = p.objectHeader();
      const v = p.value();
      return { header, v, streamAt: isDict(v) ? this.streamDataStart(p) : null };
    });
    if (value.header.num !== num) throw corruptPdf(`la tabla de referencias cruzadas lleva el objeto ${num} al byte ${offset}, donde está el objeto ${value.header.num}`);
    if (value.streamAt === null || !isDict(value.v)) return value.v;
    return new PdfStream(value.v, value.streamAt, await this.streamLength(value.v, depth));
  }

  private async readCompressedObject(streamNum: number, index: number, num: number, depth: number): Promise<PdfValue> {
    let objStm = this.objectStreams.get(streamNum);
    if (!objStm) {
      const entry = await this.entry(streamNum);
      const stream = entry.type === 'offset' ? await this.readIndirectObject(entry.offset, streamNum, depth + 1) : null;
      if (!(stream instanceof PdfStream) || !isName(stream.dict.get('Type'), 'ObjStm')) throw corruptPdf(`el objeto ${num} apunta a un stream de objetos inexistente (${streamNum})`);
      const n = stream.dict.get('N');
      const first = stream.dict.get('First');
      if (!isNonNegativeInteger(n) || !isNonNegativeInteger(first)) throw corruptPdf(`el stream de objetos ${streamNum} no declara /N y /First`);
      const data = await this.streamBytes(stream, MAX_OBJECT_BYTES, `el stream de objetos ${streamNum}`);
      const header = new PdfParser(data.subarray(0, Math.min(first, data.length)), 0, 0, true);
      const entries: { num: number; offset: number }[] = [];
      for (let i = 0; i < n; i++) entries.push({ num: header.integer(), offset: header.integer() });
      objStm = { data, entries, first };
      this.objectStreams.set(streamNum, objStm);
    }
    const at = objStm.entries[index];
    if (at?.num !== num) throw corruptPdf(`el objeto ${num} no está donde lo indica su stream de objetos (${streamNum})`);
    return new PdfParser(objStm.data, objStm.first + at.offset, 0, true).value();
  }

  /** After a stream's dictionary: the offset of its data if `stream` follows, else null. */
  private streamDataStart(p: PdfParser): number | null {
    const before = p.pos;
    if (p.keyword() !== 'stream') {
      p.pos = before;
      return null;
    }
    // The keyword is followed by CRLF or LF (a lone CR is tolerated).
    if (p.peek() === 0x0d) p.pos++;
    if (p.peek() === 0x0a) p.pos++;
    return p.offset;
  }

  private async streamLength(dict: PdfDict, depth: number): Promise<number> {
    let length = dict.get('Length');
    if (length instanceof PdfRef) length = await this.fetch(length, depth + 1);
    if (!isNonNegativeInteger(length)) throw corruptPdf('un stream no declara su /Length');
    return length;
  }

  /**
   * Runs `parse` over a window of the file starting at `offset`, growing the window while the object continues
   * past it. Returns the value and the file offset where parsing stopped.
   */
  private async parseAt<T>(offset: number, parse: (p: PdfParser) => T): Promise<{ value: T; end: number }> {
    for (let window = 4096; ; window *= 2) {
      const bytes = await this.reader.read(offset, offset + window);
      const complete = offset + bytes.length >= this.reader.size;
      const p = new PdfParser(bytes, 0, offset, complete);
      try {
        const value = parse(p);
        return { value, end: offset + p.pos };
      } catch (e) {
        if (!(e instanceof NeedMoreData)) throw e;
        if (window >= MAX_OBJECT_BYTES) throw corruptPdf(`el objeto del byte ${offset} supera ${MAX_OBJECT_BYTES} bytes`);
      }
    }
  }
}
