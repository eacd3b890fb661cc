import { DomainError } from '../../server/errors.ts';

/** A PDF that cannot be signed or initialled as given (encrypted, damaged, already signed draft…). */
export class PdfSigningError extends DomainError {
  readonly status = 422;
  readonly slug = 'pdf-signing';
  readonly title = 'No se pudo firmar el PDF';
}
