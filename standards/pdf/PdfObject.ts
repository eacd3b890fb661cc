/** The PDF object model, as far as intake inspection needs it. Strings stay bytes; they are never decrypted. */
export class PdfName {
  constructor(readonly name: string) {}
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
}

/** A stream's dictionary and where its raw (still encoded) data lies in the file. */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    readonly start: number,
    readonly length: number,
  ) {}
}

export type PdfDict = Map<string, PdfValue>;
export type PdfValue = null | boolean | number | Uint8Array | PdfName | PdfRef | PdfStream | PdfDict | PdfValue[];

export function isName(v: PdfValue | undefined, name?: string): v is PdfName {
  return v instanceof PdfName && (name === undefined || v.name === name);
}

export function isDict(v: PdfValue | undefined): v is PdfDict {
  return v instanceof Map;
}

export function isNonNegativeInteger(v: PdfValue | undefined): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
