import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bufferRangeSource } from '../../../standards/content/RangeSource.ts';
import { inspectPdf, type PdfLimits } from '../../../standards/pdf/inspectPdf.ts';
import { PdfRejectedError } from '../../../standards/pdf/PdfRejectedError.ts';
import { countingSource } from '../content/countingSource.ts';
import { handmadePdf, objectStream, pdfBytes } from './handmadePdf.ts';
import { pdfWithPages } from './samplePdfs.ts';

/**
 * Files built to exhaust a reader. Each must end in a PdfRejectedError, quickly and with bounded memory: the limits
 * (bytes read, bytes inflated, nesting, chain lengths) are what stops them, not luck.
 */
const LIMITS: PdfLimits = { maxPages: 500 };
const CATALOG = '<</Type /Catalog /Pages 2 0 R>>';
const PAGES = '<</Type /Pages /Kids [3 0 R] /Count 1>>';
const PAGE = '<</Type /Page /Parent 2 0 R /MediaBox [0 0 10 10]>>';
const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const fromLatin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

async function corrupt(bytes: Uint8Array, detail: RegExp, limits = LIMITS): Promise<void> {
  const error = await inspectPdf(bufferRangeSource(bytes), limits).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PdfRejectedError);
  expect((error as PdfRejectedError).reason).toBe('corrupt');
  expect((error as PdfRejectedError).message).toMatch(detail);
}

describe('inspectPdf against hostile files', () => {
  it('stops inflating an XMP deflate bomb at 4 MiB (64 MiB of blanks in 64 KB)', async () => {
    const bomb = new Uint8Array(deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 }));
    expect(bomb.length).toBeLessThan(100_000);
    const pdf = handmadePdf(['<</Type /Catalog /Pages 2 0 R /Metadata 4 0 R>>', PAGES, PAGE, { dict: '/Type /Metadata /Subtype /XML /Filter /FlateDecode', data: bomb }], '/Root 1 0 R');
    await corrupt(pdfBytes(pdf), /el paquete de metadatos XMP se expande a más de 4194304 bytes/);
  });

  it('stops inflating an object stream that pads its catalog with 32 MiB of blanks', async () => {
    const stream = objectStream([{ num: 1, body: CATALOG }], 32 * 1024 * 1024);
    const pdf = handmadePdf([{ inObjectStream: 4, index: 0 }, PAGES, PAGE, stream], '/Root 1 0 R');
    await corrupt(pdfBytes(pdf), /el stream de objetos 4 se expande a más de 8388608 bytes/);
  });

  it('reads an object stream that stays within its bound', async () => {
    const stream = objectStream([{ num: 1, body: CATALOG }], 1024 * 1024);
    const pdf = handmadePdf([{ inObjectStream: 4, index: 0 }, PAGES, PAGE, stream], '/Root 1 0 R');
    expect(await inspectPdf(bufferRangeSource(pdfBytes(pdf)), LIMITS)).toMatchObject({ pageCount: 1 });
  });

  it('counts inflated bytes against maxDecodedBytes', async () => {
    await corrupt(await pdfWithPages(20, true), /se expande a más de/, { ...LIMITS, maxDecodedBytes: 100 });
  });

  it('refuses to read more than maxBytesRead of a 1 GB file', async () => {
    // The page tree's root sits between two 500 MB images: reaching it costs a third 64 KiB chunk, after the
    // first (header, catalog) and the last (cross-reference, page).
    const image = { dict: '/Subtype /Image', data: { length: 500_000_000, fill: 0 } };
    const pdf = () => handmadePdf(['<</Type /Catalog /Pages 3 0 R>>', image, '<</Type /Pages /Kids [5 0 R] /Count 1>>', image, '<</Type /Page /Parent 3 0 R>>'], '/Root 1 0 R');
    const within = countingSource(pdf());
    expect(await inspectPdf(within, LIMITS)).toMatchObject({ pageCount: 1 });
    expect(within.bytesRead()).toBeLessThanOrEqual(3 * 65536);

    const beyond = countingSource(pdf());
    const error = await inspectPdf(beyond, { ...LIMITS, maxBytesRead: 150_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PdfRejectedError);
    expect((error as PdfRejectedError).message).toMatch(/^Analizar la estructura del PDF exige leer más de 146 KiB, lo que indica un archivo dañado/);
    expect(beyond.bytesRead()).toBeLessThanOrEqual(150_000);
  });

  it('refuses a page tree with a cycle', async () => {
    const pdf = handmadePdf([CATALOG, '<</Type /Pages /Kids [3 0 R] /Count 2>>', '<</Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 2>>'], '/Root 1 0 R');
    await corrupt(pdfBytes(pdf), /ciclo/);
  });

  it('refuses a page tree deeper than 64 levels', async () => {
    const nodes = Array.from({ length: 100 }, (_, i) => `<</Type /Pages /Kids [${i + 3} 0 R] /Count 1>>`);
    const pdf = handmadePdf([CATALOG, ...nodes, PAGE], '/Root 1 0 R');
    await corrupt(pdfBytes(pdf), /más de 64 niveles/);
  });

  it('refuses arrays nested 100 000 deep without overflowing the stack', async () => {
    const pdf = handmadePdf([`<</Type /Catalog /Pages 2 0 R /Junk ${'['.repeat(100_000)}${']'.repeat(100_000)}>>`, PAGES, PAGE], '/Root 1 0 R');
    await corrupt(pdfBytes(pdf), /anidadas a más de 100 niveles/);
  });

  it('refuses a circular chain of references', async () => {
    const pdf = handmadePdf(['<</Type /Catalog /Pages 4 0 R>>', PAGES, PAGE, '5 0 R', '4 0 R'], '/Root 1 0 R');
    await corrupt(pdfBytes(pdf), /cadena de referencias circular/);
  });

  it('refuses a stream whose /Length is itself', async () => {
    const pdf = handmadePdf(['<</Type /Catalog /Pages 2 0 R /Metadata 4 0 R>>', PAGES, PAGE, { dict: '/Type /Metadata /Subtype /XML', data: new Uint8Array(10) }], '/Root 1 0 R');
    // The stream is the last object, so only the cross-reference moves: point startxref at it again.
    const text = latin1(pdfBytes(pdf)).replace('/Length 10>>', '/Length 4 0 R>>');
    await corrupt(fromLatin1(text.replace(/startxref\n\d+/, `startxref\n${text.lastIndexOf('\nxref\n') + 1}`)), /la longitud de un stream depende de sí misma/);
  });

  it('follows a /Prev that points back at its own section only once', async () => {
    const text = latin1(pdfBytes(handmadePdf([CATALOG, PAGES, PAGE], '/Root 1 0 R')));
    const startxref = /startxref\n(\d+)/.exec(text)![1]!;
    const looped = text.replace('/Root 1 0 R>>', `/Root 1 0 R /Prev ${startxref}>>`);
    expect(await inspectPdf(bufferRangeSource(fromLatin1(looped)), LIMITS)).toMatchObject({ pageCount: 1 });
  });

  it('refuses a cross-reference subsection claiming more objects than a PDF may hold', async () => {
    const text = latin1(pdfBytes(handmadePdf([CATALOG, PAGES, PAGE], '/Root 1 0 R')));
    await corrupt(fromLatin1(text.replace('xref\n0 4\n', 'xref\n0 9999999\n')), /más allá del máximo de 8388607/);
  });
});
