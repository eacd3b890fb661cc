import type { ChunkedReader } from './ChunkedReader.ts';
import { corruptPdf, PdfRejectedError } from './PdfRejectedError.ts';

/** ISO 32000 allows the header within the first 1024 bytes and readers look for %%EOF within the last 1024. */
const WINDOW = 1024;

/**
 * The checks pdf.js would paper over: the file starts as a PDF, ends with %%EOF (a missing one almost always means
 * a cut-off upload), and its last startxref points inside the file. Returns that offset and the header's version.
 */
export async function locateStartXref(reader: ChunkedReader): Promise<{ startxref: number; headerVersion: string }> {
  const head = latin1(await reader.read(0, WINDOW));
  const header = /^%PDF-(\d\.\d)/.exec(head);
  if (!header) {
    throw new PdfRejectedError('corrupt', 'El archivo no es un PDF: no comienza con la cabecera «%PDF-». Envíe el documento exportado como PDF.');
  }
  const tail = latin1(await reader.read(reader.size - WINDOW, reader.size));
  const eof = tail.lastIndexOf('%%EOF');
  // Structure after the last %%EOF is an incremental update cut before its own end marker.
  if (eof < 0 || /\d+\s+\d+\s+obj\b|\bxref\b|\btrailer\b|\bstartxref\b/.test(tail.slice(eof + 5))) {
    throw new PdfRejectedError(
      'truncated',
      'El PDF está incompleto (truncado): no termina con «%%EOF», como ocurre cuando una descarga o una copia se interrumpe. Obtenga de nuevo el archivo completo y envíelo.',
    );
  }
  const m = /startxref\s+(\d+)\s*$/.exec(tail.slice(0, eof));
  if (!m) throw corruptPdf('falta la instrucción «startxref» antes del «%%EOF» final');
  const startxref = Number(m[1]);
  if (startxref >= reader.size) throw corruptPdf(`startxref apunta al byte ${startxref}, fuera del archivo de ${reader.size} bytes`);
  return { startxref, headerVersion: header[1]! };
}

function latin1(b: Uint8Array): string {
  return new TextDecoder('latin1').decode(b);
}
