import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bufferRangeSource } from '../../../standards/content/RangeSource.ts';
import { inspectPdf } from '../../../standards/pdf/inspectPdf.ts';
import { PdfRejectedError, type PdfRejectionReason } from '../../../standards/pdf/PdfRejectedError.ts';
import { countingSource } from '../content/countingSource.ts';
import { handmadePdf, pdfBytes } from './handmadePdf.ts';
import { claimedCountPdf, pdfaClaimPdf, pdfWithPages, signedPdf, zeroPagePdf } from './samplePdfs.ts';

const LIMITS = { maxPages: 500 };
const inspect = (bytes: Uint8Array, limits = LIMITS) => inspectPdf(bufferRangeSource(bytes), limits);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/pdf/${name}`, import.meta.url)));
const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const fromLatin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

async function rejection(promise: Promise<unknown>): Promise<PdfRejectedError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PdfRejectedError);
  return error as PdfRejectedError;
}

async function expectRejected(promise: Promise<unknown>, reason: PdfRejectionReason, message: RegExp): Promise<void> {
  const error = await rejection(promise);
  expect(error.reason).toBe(reason);
  expect(error.message).toMatch(message);
}

describe('inspectPdf accepts well-formed PDFs', () => {
  it('a one-page PDF with a classic cross-reference table', async () => {
    expect(await inspect(await pdfWithPages(1))).toEqual({ pageCount: 1, pdfVersion: '1.7', pdfa: null, signatureCount: 0 });
  });

  it('a 37-page PDF with an xref stream and object streams', async () => {
    expect(await inspect(await pdfWithPages(37, true))).toMatchObject({ pageCount: 37 });
  });

  it('a page tree with intermediate nodes', async () => {
    const page = '<</Type /Page /Parent 2 0 R /MediaBox [0 0 10 10]>>';
    const pdf = handmadePdf(
      [
        '<</Type /Catalog /Pages 2 0 R>>',
        '<</Type /Pages /Kids [3 0 R 4 0 R 7 0 R] /Count 3>>',
        '<</Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2>>',
        '<</Type /Pages /Parent 2 0 R /Kids [] /Count 0>>',
        page,
        page,
        '<</Type /Pages /Parent 2 0 R /Kids [8 0 R] /Count 1>>',
        page,
      ],
      '/Root 1 0 R',
    );
    expect(await inspect(pdfBytes(pdf))).toMatchObject({ pageCount: 3 });
  });

  it('a cross-reference table numbered from 1 by a known writer bug', async () => {
    const text = latin1(await pdfWithPages(2)).replace(/\nxref\n0 /, '\nxref\n1 ');
    expect(await inspect(fromLatin1(text))).toMatchObject({ pageCount: 2 });
  });

  it('reports the catalog /Version when it is later than the header', async () => {
    const pdf = handmadePdf(['<</Type /Catalog /Pages 2 0 R /Version /2.0>>', '<</Type /Pages /Kids [3 0 R] /Count 1>>', '<</Type /Page /Parent 2 0 R>>'], '/Root 1 0 R', '1.4');
    expect(await inspect(pdfBytes(pdf))).toMatchObject({ pdfVersion: '2.0' });
  });

  it('inspects a 1 GB PDF by reading only its structure', async () => {
    const src = countingSource(
      handmadePdf(
        [
          '<</Type /Catalog /Pages 2 0 R>>',
          '<</Type /Pages /Kids [3 0 R] /Count 1>>',
          '<</Type /Page /Parent 2 0 R /Resources <</XObject <</Im1 4 0 R>>>> /MediaBox [0 0 612 792]>>',
          { dict: '/Type /XObject /Subtype /Image /Width 20000 /Height 50000 /ColorSpace /DeviceRGB /BitsPerComponent 8', data: { length: 1_000_000_000, fill: 0x80 } },
        ],
        '/Root 1 0 R',
      ),
    );
    expect(src.size).toBeGreaterThan(1_000_000_000);
    expect(await inspectPdf(src, LIMITS)).toMatchObject({ pageCount: 1 });
    expect(src.bytesRead()).toBeLessThan(300_000);
  });
});

describe('inspectPdf refuses, saying what to do', () => {
  it('an encrypted PDF that needs a password', async () => {
    await expectRejected(inspect(fixture('encrypted-user-password.pdf')), 'encrypted', /^El PDF está cifrado .*envíe una copia sin cifrar/);
  });

  it('an encrypted PDF that opens without a password (owner restrictions only)', async () => {
    await expectRejected(inspect(fixture('encrypted-owner-only.pdf')), 'encrypted', /cifrado/);
  });

  it('a PDF without pages', async () => {
    await expectRejected(inspect(await zeroPagePdf()), 'no-pages', /^El PDF no tiene páginas\. Envíe un documento con al menos una página\.$/);
  });

  it('more pages than the limit', async () => {
    await expectRejected(inspect(await pdfWithPages(12), { maxPages: 10 }), 'too-many-pages', /^El PDF declara 12 páginas y el máximo admitido es 10\. Divídalo/);
  });

  it('a claim of a billion pages, without walking the tree', async () => {
    const bytes = await claimedCountPdf(1_000_000_000);
    const src = countingSource([bytes]);
    await expectRejected(inspectPdf(src, LIMITS), 'too-many-pages', /declara 1000000000 páginas/);
    expect(src.reads.length).toBeLessThanOrEqual(2);
  });

  it('a page count the tree does not hold', async () => {
    await expectRejected(inspect(await claimedCountPdf(3)), 'corrupt', /el árbol de páginas declara 3 páginas pero no contiene la página 3/);
  });

  it.each([
    ['its last 10 bytes', (b: Uint8Array) => b.subarray(0, b.length - 10)],
    ['its second half', (b: Uint8Array) => b.subarray(0, b.length >> 1)],
    ['everything after the header', (b: Uint8Array) => b.subarray(0, 9)],
  ])('a PDF missing %s as truncated', async (_name, cut) => {
    await expectRejected(inspect(cut(await pdfWithPages(3))), 'truncated', /^El PDF está incompleto \(truncado\): no termina con «%%EOF»/);
  });

  it('an incremental update cut before its end as truncated, though the previous %%EOF survives', async () => {
    const cut = latin1(await pdfWithPages(1)) + '5 0 obj\n<</Type /Annot /Subtype /Text>>\nendobj\nxref\n0 1\n00000';
    await expectRejected(inspect(fromLatin1(cut)), 'truncated', /truncado/);
  });

  it('a PDF whose cross-reference table was overwritten as corrupt', async () => {
    const text = latin1(await pdfWithPages(2));
    const xref = text.lastIndexOf('\nxref\n') + 1;
    const damaged = text.slice(0, xref) + '#'.repeat(60) + text.slice(xref + 60);
    await expectRejected(inspect(fromLatin1(damaged)), 'corrupt', /^El PDF está dañado: startxref o \/Prev apunta al byte \d+, donde no hay una sección de referencias cruzadas\. Vuelva a generarlo/);
  });

  it('a PDF whose trailer was overwritten as corrupt', async () => {
    const text = latin1(await pdfWithPages(2));
    const trailer = text.lastIndexOf('trailer');
    const damaged = text.slice(0, trailer) + 'x'.repeat(text.length - trailer - 6) + '%%EOF\n';
    await expectRejected(inspect(fromLatin1(damaged)), 'corrupt', /falta la instrucción «startxref»/);
  });

  it('a startxref beyond the end of the file as corrupt', async () => {
    const text = latin1(await pdfWithPages(1)).replace(/startxref\n\d+/, 'startxref\n99999999');
    await expectRejected(inspect(fromLatin1(text)), 'corrupt', /startxref apunta al byte 99999999, fuera del archivo/);
  });

  it('a cross-reference entry that leads to another object as corrupt', async () => {
    const text = latin1(await pdfWithPages(1));
    const entries = /xref\n0 (\d+)\n/.exec(text)!;
    const start = entries.index + entries[0].length;
    // Swap the offsets of objects 1 and 2.
    const e1 = text.slice(start + 20, start + 30);
    const e2 = text.slice(start + 40, start + 50);
    const damaged = text.slice(0, start + 20) + e2 + text.slice(start + 30, start + 40) + e1 + text.slice(start + 50);
    await expectRejected(inspect(fromLatin1(damaged)), 'corrupt', /lleva el objeto \d+ al byte \d+, donde está el objeto \d+/);
  });

  it.each([
    ['a PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
    ['a Word document', [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]],
    ['text', [...Buffer.from('%%EOF startxref 0 — no es un PDF')]],
  ])('%s renamed .pdf as not a PDF', async (_name, head) => {
    await expectRejected(inspect(new Uint8Array(head)), 'corrupt', /^El archivo no es un PDF: no comienza con la cabecera «%PDF-»/);
  });

  it('lets an error from the source propagate unchanged', async () => {
    const failure = new Error('el almacén no responde');
    await expect(inspectPdf({ size: 5000, read: () => Promise.reject(failure) }, LIMITS)).rejects.toBe(failure);
  });
});

describe('inspectPdf reports the PDF/A claim in the XMP metadata', () => {
  it.each([
    [{ part: '1', conformance: 'B' }, { part: 1, conformance: 'B' }],
    [{ part: '2', conformance: 'U', form: 'attribute' as const }, { part: 2, conformance: 'U' }],
    [{ part: '3', conformance: 'a', prefix: 'id' }, { part: 3, conformance: 'A' }],
    [{ part: '2', conformance: 'B', compressed: true }, { part: 2, conformance: 'B' }],
    [{ part: '4' }, { part: 4, conformance: null }],
  ])('%j', async (claim, pdfa) => {
    expect(await inspect(await pdfaClaimPdf(claim))).toMatchObject({ pageCount: 1, pdfa });
  });

  it('ignores an XMP packet without a valid part', async () => {
    expect(await inspect(await pdfaClaimPdf({ part: '7', conformance: 'B' }))).toMatchObject({ pdfa: null });
  });
});

describe('inspectPdf counts signatures', () => {
  it('two signatures added by incremental updates', async () => {
    expect(await inspect(await signedPdf(2))).toMatchObject({ pageCount: 1, signatureCount: 2 });
  });

  it('not a signature field still waiting for its signature', async () => {
    expect(await inspect(await signedPdf(2, { lastUnsigned: true }))).toMatchObject({ signatureCount: 1 });
  });
});
