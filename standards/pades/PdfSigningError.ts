/** A PDF that cannot be signed or initialled as given (encrypted, damaged, already signed draft…); the message is for the person who sent it. */
export class PdfSigningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PdfSigningError';
  }
}
