import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { bufferRangeSource } from '../../../standards/content/RangeSource.ts';
import { inspectPdf } from '../../../standards/pdf/inspectPdf.ts';
import { pdfaClaimPdf, pdfWithPages, signedPdf } from './samplePdfs.ts';

/**
 * pdf.js as a second reader on trusted, generated files. It is not used at intake because it inflates streams
 * without a bound (see inspectPdf); here it only confirms that both readers see the same document.
 */
async function pdfjsView(bytes: Uint8Array): Promise<{ pages: number; version: string; part: string | null }> {
  const task = getDocument({ data: bytes.slice(), isEvalSupported: false, useWasm: false, useSystemFonts: false, verbosity: 0 });
  try {
    const doc = await task.promise;
    const { info, metadata } = await doc.getMetadata();
    // pdf.js types the information dictionary as a bare Object.
    const version = (info as { PDFFormatVersion: string }).PDFFormatVersion;
    return { pages: doc.numPages, version, part: (metadata?.get('pdfaid:part') as string | null) ?? null };
  } finally {
    await task.destroy();
  }
}

describe('inspectPdf agrees with pdf.js on well-formed files', () => {
  it.each([
    ['one page', () => pdfWithPages(1)],
    ['41 pages with object streams', () => pdfWithPages(41, true)],
    ['a PDF/A-2B claim', () => pdfaClaimPdf({ part: '2', conformance: 'B' })],
    ['two signatures', () => signedPdf(2)],
  ])('%s', async (_name, make) => {
    const bytes = await make();
    const ours = await inspectPdf(bufferRangeSource(bytes), { maxPages: 100 });
    const theirs = await pdfjsView(bytes);
    expect({ pages: ours.pageCount, version: ours.pdfVersion, part: ours.pdfa === null ? null : String(ours.pdfa.part) }).toEqual(theirs);
  });
});
