import { PdfName, PdfRef, type PdfDict, type PdfValue } from './PdfObject.ts';
import { corruptPdf } from './PdfRejectedError.ts';

/** Thrown when a token runs past the window read so far: the caller reads a larger window and parses again. */
export class NeedMoreData extends Error {}

/** Arrays and dictionaries nested deeper than this are refused: real files stay far below it, and recursion must not overflow. */
const MAX_DEPTH = 100;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;
const isDelimiter = (c: number) => c === 0x28 || c === 0x29 || c === 0x3c || c === 0x3e || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === 0x2f || c === 0x25;
const isRegular = (c: number) => c >= 0 && !isSpace(c) && !isDelimiter(c);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const ESCAPES: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x66: 0x0c };
const latin1 = new TextDecoder('latin1');

/**
 * Parses PDF objects from a window of the file. `base` is the window's offset in the file (for messages);
 * `complete` says whether the window reaches the end of the file, so running out of bytes is a defect rather
 * than a reason to read more.
 */
export class PdfParser {
  constructor(
    private readonly buf: Uint8Array,
    public pos: number,
    private readonly base: number,
    private readonly complete: boolean,
  ) {}

  /** Where the parser stands, as an offset in the file. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** The byte at pos, or -1 at the end of the file. */
  peek(): number {
    if (this.pos < this.buf.length) return this.buf[this.pos]!;
    if (this.complete) return -1;
    throw new NeedMoreData();
  }

  skipSpace(): void {
    for (;;) {
      const c = this.peek();
      if (isSpace(c)) this.pos++;
      else if (c === 0x25) {
        while (this.peek() !== 0x0a && this.peek() !== 0x0d && this.peek() !== -1) this.pos++;
      } else return;
    }
  }

  /** A bare word (obj, stream, xref, trailer, R, n, f…), empty if the next token is not one. */
  keyword(): string {
    this.skipSpace();
    const start = this.pos;
    while (isRegular(this.peek())) this.pos++;
    return latin1.decode(this.buf.subarray(start, this.pos));
  }

  expectKeyword(word: string): void {
    const at = this.base + this.pos;
    if (this.keyword() !== word) throw corruptPdf(`se esperaba «${word}» en el byte ${at}`);
  }

  integer(): number {
    const at = this.base + this.pos;
    const v = this.value();
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw corruptPdf(`se esperaba un entero no negativo en el byte ${at}`);
    return v;
  }

  /** `num gen obj`. */
  objectHeader(): { num: number; gen: number } {
    const num = this.integer();
    const gen = this.integer();
    this.expectKeyword('obj');
    return { num, gen };
  }

  value(depth = 0): PdfValue {
    if (depth > MAX_DEPTH) throw corruptPdf(`hay estructuras anidadas a más de ${MAX_DEPTH} niveles (byte ${this.base + this.pos})`);
    this.skipSpace();
    const at = this.base + this.pos;
    const c = this.peek();
    if (c === 0x2f) return this.name();
    if (c === 0x28) return this.literalString();
    if (c === 0x5b) {
      this.pos++;
      const items: PdfValue[] = [];
      for (;;) {
        this.skipSpace();
        if (this.peek() === 0x5d) {
          this.pos++;
          return items;
        }
        items.push(this.value(depth + 1));
      }
    }
    if (c === 0x3c) {
      this.pos++;
      if (this.peek() !== 0x3c) return this.hexString();
      this.pos++;
      const dict: PdfDict = new Map();
      for (;;) {
        this.skipSpace();
        if (this.peek() === 0x3e) {
          this.pos++;
          if (this.peek() !== 0x3e) throw corruptPdf(`diccionario mal cerrado en el byte ${this.base + this.pos}`);
          this.pos++;
          return dict;
        }
        const key = this.value(depth + 1);
        if (!(key instanceof PdfName)) throw corruptPdf(`clave de diccionario que no es un nombre en el byte ${at}`);
        dict.set(key.name, this.value(depth + 1));
      }
    }
    if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) return this.numberOrRef();
    const word = this.keyword();
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    throw corruptPdf(c === -1 ? 'el archivo termina en medio de un objeto' : `sintaxis inválida en el byte ${at}`);
  }

  private numberOrRef(): number | PdfRef {
    const at = this.base + this.pos;
    const start = this.pos;
    while (isRegular(this.peek())) this.pos++;
    const text = latin1.decode(this.buf.subarray(start, this.pos));
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) throw corruptPdf(`número inválido «${text.slice(0, 20)}» en el byte ${at}`);
    const n = Number(text);
    if (!/^\d+$/.test(text)) return n;
    // `num gen R` is a reference; anything else leaves the parser after the first integer.
    const after = this.pos;
    this.skipSpace();
    const genStart = this.pos;
    while (isDigit(this.peek())) this.pos++;
    if (this.pos > genStart && !isRegular(this.peek())) {
      const gen = Number(latin1.decode(this.buf.subarray(genStart, this.pos)));
      this.skipSpace();
      if (this.peek() === 0x52) {
        this.pos++;
        if (!isRegular(this.peek())) return new PdfRef(n, gen);
      }
    }
    this.pos = after;
    return n;
  }

  private name(): PdfName {
    this.pos++;
    const bytes: number[] = [];
    while (isRegular(this.peek())) {
      const c = this.buf[this.pos++]!;
      const hex = c === 0x23 ? String.fromCharCode(this.buf[this.pos] ?? 0, this.buf[this.pos + 1] ?? 0) : '';
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        this.pos += 2;
      } else bytes.push(c);
    }
    return new PdfName(latin1.decode(new Uint8Array(bytes)));
  }

  private literalString(): Uint8Array {
    this.pos++;
    const out: number[] = [];
    let nesting = 0;
    for (;;) {
      const c = this.peek();
      if (c === -1) throw corruptPdf('el archivo termina dentro de una cadena');
      this.pos++;
      if (c === 0x29) {
        if (nesting === 0) return new Uint8Array(out);
        nesting--;
      } else if (c === 0x28) nesting++;
      else if (c === 0x5c) {
        const e = this.peek();
        if (e === -1) continue;
        this.pos++;
        const escaped = ESCAPES[e];
        if (escaped !== undefined) out.push(escaped);
        else if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          for (let i = 0; i < 2 && this.peek() >= 0x30 && this.peek() <= 0x37; i++) v = v * 8 + (this.buf[this.pos++]! - 0x30);
          out.push(v & 0xff);
        } else if (e === 0x0d) {
          if (this.peek() === 0x0a) this.pos++;
        } else if (e !== 0x0a) out.push(e);
        continue;
      }
      out.push(c);
    }
  }

  private hexString(): Uint8Array {
    const digits: number[] = [];
    for (;;) {
      const c = this.peek();
      this.pos++;
      if (c === 0x3e) break;
      if (isSpace(c)) continue;
      const d = parseInt(String.fromCharCode(c), 16);
      if (c === -1 || Number.isNaN(d)) throw corruptPdf(`cadena hexadecimal inválida en el byte ${this.base + this.pos - 1}`);
      digits.push(d);
    }
    if (digits.length % 2) digits.push(0);
    const out = new Uint8Array(digits.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = digits[2 * i]! * 16 + digits[2 * i + 1]!;
    return out;
  }
}
