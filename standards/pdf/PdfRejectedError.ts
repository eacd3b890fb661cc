export type PdfRejectionReason = 'truncated' | 'corrupt' | 'encrypted' | 'no-pages' | 'too-many-pages';

/** A PDF refused at intake; `message` is for the person who sent it (Spanish) and says what to do. */
export class PdfRejectedError extends Error {
  constructor(
    readonly reason: PdfRejectionReason,
    message: string,
  ) {
    super(message);
    this.name = 'PdfRejectedError';
  }
}

/** The common case: a structural defect, described precisely by `detail`. */
export function corruptPdf(detail: string): PdfRejectedError {
  return new PdfRejectedError('corrupt', `El PDF está dañado: ${detail}. Vuelva a generarlo o exportarlo desde la aplicación de origen y envíelo de nuevo.`);
}
