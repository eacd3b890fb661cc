import type { PDFObject } from 'pdf-lib';

/** An object as pdf-lib writes it (a stream with its dictionary and data). */
export function pdfObjectBytes(object: PDFObject): Buffer {
  const bytes = new Uint8Array(object.sizeInBytes());
  object.copyBytesInto(bytes, 0);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
