import { detectMediaType } from '../../../standards/content/detectMediaType.ts';
import { inspectPdf } from '../../../standards/pdf/inspectPdf.ts';
import { PdfRejectedError } from '../../../standards/pdf/PdfRejectedError.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import { PayloadTooLargeError, ValidationError } from '../../errors.ts';
import type { ContentInspector } from './ContentInspector.ts';
import type { SignatureRow } from './documentRepository.ts';
import { signatureRows } from './signatureRows.ts';
import { readWhole, storeRangeSource } from './storeRangeSource.ts';

export interface InspectionLimits {
  maxPdfPages: number;
  /** Signed PDFs larger than this are stored with a report saying their signatures were not checked. */
  maxSignedPdfBytes: number;
  trustAnchors: string[];
}

/** Type from the bytes, PDF structure and limits, and a report on any signatures the PDF already carries. */
export function storeContentInspector(store: ObjectStore, limits: InspectionLimits): ContentInspector {
  return {
    async inspect(put) {
      const src = storeRangeSource(store, put.key, put.size);
      const detected = await detectMediaType(src);
      if (!detected.ok) throw new ValidationError(detected.message, [{ field: 'file', message: detected.reason }]);
      if (detected.mediaType !== 'application/pdf') return { mediaType: detected.mediaType, pageCount: null, pdfa: null, signatures: [] };
      let pdf;
      try {
        pdf = await inspectPdf(src, { maxPages: limits.maxPdfPages });
      } catch (err) {
        if (!(err instanceof PdfRejectedError)) throw err;
        if (err.reason === 'too-many-pages') throw new PayloadTooLargeError(err.message);
        throw new ValidationError(err.message, [{ field: 'file', message: err.reason }]);
      }
      let signatures: SignatureRow[] = [];
      if (pdf.signatureCount > 0) {
        signatures =
          put.size <= limits.maxSignedPdfBytes
            ? await signatureRows(await readWhole(store, put.key), limits.trustAnchors)
            : [{ position: 1, signerName: null, signerRun: null, signedAt: null, valid: false, coversWholeDocument: false, report: { problems: [`El PDF supera ${limits.maxSignedPdfBytes} bytes: sus firmas no se verificaron.`] } }];
      }
      return {
        mediaType: 'application/pdf',
        pageCount: pdf.pageCount,
        pdfa: pdf.pdfa ? `${pdf.pdfa.part}${(pdf.pdfa.conformance ?? '').toLowerCase()}` : null,
        signatures,
      };
    },
  };
}
