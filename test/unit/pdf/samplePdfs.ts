import { plainAddPlaceholder } from '@signpdf/placeholder-plain';
import { SignPdf } from '@signpdf/signpdf';
import { Signer } from '@signpdf/utils';
import { PDFDocument, PDFName, PDFNumber } from 'pdf-lib';

/** PDFs made with pdf-lib for the inspection tests. Dates are fixed so the bytes are reproducible. */
const FIXED_DATE = new Date('2026-01-02T03:04:05Z');

async function create(pages: number): Promise<PDFDocument> {
  const doc = await PDFDocument.create();
  doc.setCreationDate(FIXED_DATE);
  doc.setModificationDate(FIXED_DATE);
  for (let i = 0; i < pages; i++) doc.addPage([200, 200]).drawText(`Pagina ${i + 1}`, { x: 20, y: 100, size: 12 });
  return doc;
}

/** `objectStreams` true: xref stream and object streams (pdf-lib's default); false: a classic xref table. */
export async function pdfWithPages(pages: number, objectStreams = false): Promise<Uint8Array> {
  return (await create(pages)).save({ useObjectStreams: objectStreams });
}

/** An empty page tree (/Kids [] /Count 0); pdf-lib would otherwise add a blank page on saving. */
export async function zeroPagePdf(): Promise<Uint8Array> {
  return (await create(0)).save({ useObjectStreams: false, addDefaultPage: false });
}

/** One real page under a root that claims `count`: the "PDF bomb" that costs nothing to make. */
export async function claimedCountPdf(count: number): Promise<Uint8Array> {
  const doc = await create(1);
  doc.catalog.Pages().set(PDFName.of('Count'), PDFNumber.of(count));
  return doc.save({ useObjectStreams: false });
}

/**
 * A PDF whose XMP packet claims PDF/A (pdfaid:part and pdfaid:conformance), as elements or as attributes, under a
 * chosen prefix. Only the claim: the file is not PDF/A-conformant (no output intent, fonts not embedded…).
 */
export async function pdfaClaimPdf(opts: { part: string; conformance?: string; form?: 'element' | 'attribute'; prefix?: string; compressed?: boolean }): Promise<Uint8Array> {
  const { part, conformance, form = 'element', prefix = 'pdfaid', compressed = false } = opts;
  const ns = `xmlns:${prefix}="http://www.aiim.org/pdfa/ns/id/"`;
  const props =
    form === 'element'
      ? `<rdf:Description rdf:about="" ${ns}><${prefix}:part>${part}</${prefix}:part>${conformance === undefined ? '' : `<${prefix}:conformance>${conformance}</${prefix}:conformance>`}</rdf:Description>`
      : `<rdf:Description rdf:about="" ${ns} ${prefix}:part="${part}"${conformance === undefined ? '' : ` ${prefix}:conformance='${conformance}'`}/>`;
  const xmp =
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    `${props}</rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>`;
  const doc = await create(1);
  const dict = { Type: 'Metadata', Subtype: 'XML' };
  // As UTF-8 bytes: given a string, pdf-lib would keep only the low byte of each character (breaking the BOM).
  const utf8 = new TextEncoder().encode(xmp);
  const stream = compressed ? doc.context.flateStream(utf8, dict) : doc.context.stream(utf8, dict);
  doc.catalog.set(PDFName.of('Metadata'), doc.context.register(stream));
  return doc.save({ useObjectStreams: false });
}

/** Stands in for a real signer: the structure (placeholder, byte range) is what the tests look at, not the CMS. */
class PlaceholderSigner extends Signer {
  override async sign(): Promise<Buffer> {
    return Buffer.alloc(64, 0xab);
  }
}

/** `signatures` signature fields, each added and filled by an incremental update (as @signpdf does). */
export async function signedPdf(signatures: number, opts: { lastUnsigned?: boolean } = {}): Promise<Uint8Array> {
  let pdf: Buffer = Buffer.from(await pdfWithPages(1));
  for (let i = 0; i < signatures; i++) {
    pdf = plainAddPlaceholder({ pdfBuffer: pdf, reason: 'prueba', contactInfo: 'pruebas@legajo.example', name: `Firmante ${i + 1}`, location: 'Santiago', signatureLength: 256 });
    if (!(opts.lastUnsigned && i === signatures - 1)) pdf = await new SignPdf().sign(pdf, new PlaceholderSigner());
  }
  return new Uint8Array(pdf);
}
