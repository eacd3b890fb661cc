import type { RangeSource } from '../content/RangeSource.ts';
import { ChunkedReader } from './ChunkedReader.ts';
import { countPages } from './countPages.ts';
import { countSignatures } from './countSignatures.ts';
import { locateStartXref } from './locateStartXref.ts';
import { isDict, isName, PdfStream } from './PdfObject.ts';
import { PdfFile } from './PdfFile.ts';
import { corruptPdf, PdfRejectedError } from './PdfRejectedError.ts';
import { readPdfaId, type PdfaClaim } from './readPdfaId.ts';

export interface PdfLimits {
  /** Above this the PDF is refused as too-many-pages, judged on the declared count before the tree is read. */
  maxPages: number;
  /** Bytes read from the source, at most; default 64 MiB. Bounds I/O and memory on hostile structures. */
  maxBytesRead?: number;
  /** Bytes produced by decompressing structural streams (xref, object streams, XMP), at most; default 64 MiB. */
  maxDecodedBytes?: number;
}

export interface PdfInspection {
  pageCount: number;
  /** The header's version, or the catalog's /Version when that is later, e.g. "1.7", "2.0". */
  pdfVersion: string;
  /** What the XMP metadata claims; not a conformance check. */
  pdfa: PdfaClaim | null;
  /** Signature fields with a signature value (/ByteRange); validating them is the PAdES validator's job. */
  signatureCount: number;
  /** Encrypted PDFs are refused even when they open without a password (owner-password restrictions). */
  encryptedButOpenable?: never;
}

const MIB = 1024 * 1024;
/** XMP packets are kilobytes; a few megabytes leaves room for embedded thumbnails. */
const MAX_XMP_BYTES = 4 * MIB;

/**
 * Intake inspection of a PDF through ranges: checks that it is complete and well-formed enough to count its
 * pages, refuses encrypted files, page bombs and empty documents, and reports version, PDF/A claim and signature
 * count. It reads the trailer, the cross-reference sections, the catalog, the path to the first and last pages,
 * the XMP packet and the form fields — never page content — within the byte budgets in `limits`.
 *
 * Rejects with PdfRejectedError for anything wrong with the file; errors thrown by `src` propagate unchanged.
 */
export async function inspectPdf(src: RangeSource, limits: PdfLimits): Promise<PdfInspection> {
  const reader = new ChunkedReader(src, limits.maxBytesRead ?? 64 * MIB);
  const { startxref, headerVersion } = await locateStartXref(reader);
  const file = await PdfFile.open(reader, startxref, limits.maxDecodedBytes ?? 64 * MIB);
  if (file.trailer.has('Encrypt')) {
    throw new PdfRejectedError(
      'encrypted',
      'El PDF está cifrado (con contraseña o con restricciones de uso); envíe una copia sin cifrar. En la aplicación de origen, quite la contraseña y las restricciones de seguridad antes de exportarlo.',
    );
  }
  const catalog = await file.resolve(file.trailer.get('Root'));
  if (!isDict(catalog)) throw corruptPdf('el trailer no apunta a un catálogo (/Root)');

  const pageCount = await countPages(file, catalog, limits.maxPages);

  const declared = await file.resolve(catalog.get('Version'));
  const catalogVersion = isName(declared) && /^\d\.\d$/.test(declared.name) ? declared.name : null;
  const pdfVersion = catalogVersion !== null && catalogVersion > headerVersion ? catalogVersion : headerVersion;

  const metadata = await file.resolve(catalog.get('Metadata'));
  let pdfa: PdfaClaim | null = null;
  if (metadata instanceof PdfStream && isName(metadata.dict.get('Subtype'), 'XML')) {
    const xmp = await file.streamBytes(metadata, MAX_XMP_BYTES, 'el paquete de metadatos XMP');
    pdfa = readPdfaId(new TextDecoder('utf-8').decode(xmp));
  }

  return { pageCount, pdfVersion, pdfa, signatureCount: await countSignatures(file, catalog) };
}
