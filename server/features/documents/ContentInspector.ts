import type { PutResult } from '../../../storage/ObjectStore.ts';
import type { SignatureRow } from './documentRepository.ts';

export interface ContentInspection {
  /** Detected from the bytes. */
  mediaType: string;
  pageCount: number | null;
  /** PDF/A part and conformance claimed in XMP, e.g. `2b`. */
  pdfa: string | null;
  /** Validation report of each signature already in the file (PDFs). */
  signatures: SignatureRow[];
}

/**
 * Checks stored bytes before any row points to them. Rejections are domain errors (422 for content that is not
 * admissible, 413 for limits), thrown before the filing transaction starts.
 */
export interface ContentInspector {
  inspect(put: PutResult): Promise<ContentInspection>;
}
