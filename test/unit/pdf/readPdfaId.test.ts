import { describe, expect, it } from 'vitest';
import { readPdfaId } from '../../../standards/pdf/readPdfaId.ts';

const NS = 'xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"';

describe('readPdfaId', () => {
  it.each([
    ['elements', `<rdf:Description ${NS}><pdfaid:part>1</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>`, { part: 1, conformance: 'B' }],
    ['attributes', `<rdf:Description ${NS} pdfaid:part="2" pdfaid:conformance="U"/>`, { part: 2, conformance: 'U' }],
    ['blanks around values', `<rdf:Description ${NS}><pdfaid:part> 3 </pdfaid:part><pdfaid:conformance>\n a </pdfaid:conformance></rdf:Description>`, { part: 3, conformance: 'A' }],
    ['another prefix bound to the namespace', '<rdf:Description xmlns:x="http://www.aiim.org/pdfa/ns/id/"><x:part>2</x:part><x:conformance>B</x:conformance></rdf:Description>', { part: 2, conformance: 'B' }],
    ['PDF/A-4 without conformance', `<rdf:Description ${NS} pdfaid:part="4" pdfaid:rev="2020"/>`, { part: 4, conformance: null }],
  ])('reads a claim written as %s', (_name, xmp, claim) => {
    expect(readPdfaId(xmp)).toEqual(claim);
  });

  it.each([
    ['no claim', '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Oficio</dc:title></rdf:Description>'],
    ['an unknown part', `<rdf:Description ${NS}><pdfaid:part>5</pdfaid:part></rdf:Description>`],
    ['a part that is not a number', `<rdf:Description ${NS} pdfaid:part="uno"/>`],
  ])('returns null for %s', (_name, xmp) => {
    expect(readPdfaId(xmp)).toBeNull();
  });

  it('scans a hostile packet in linear time', () => {
    // Quadratic patterns would take minutes on these; the test would time out.
    const unterminated = `${NS} ${'<pdfaid:part '.repeat(200_000)}`;
    const unquoted = `${NS} ${' pdfaid:part="'.repeat(200_000)}`;
    expect(readPdfaId(unterminated)).toBeNull();
    expect(readPdfaId(unquoted)).toBeNull();
  });
});
