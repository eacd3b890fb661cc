import { DomainError } from '../../errors.ts';

/** Why a signer could not be reached or used; retrying later, or fixing configuration, may help. */
export type SignerUnavailableReason = 'timeout' | 'network' | 'http' | 'invalid-response' | 'configuration';

/** Why a signer refused to sign; the person or operator has to do something first (the message says what). */
export type SignerRejectedReason =
  | 'otp-required'
  | 'otp-expired'
  | 'signature-failed'
  | 'unauthorized'
  | 'bad-request'
  | 'certificate-expired';

export class SignerUnavailableError extends DomainError {
  readonly status = 503;
  readonly slug = 'signer-unavailable';
  readonly title = 'El servicio de firma no está disponible';

  constructor(
    readonly reason: SignerUnavailableReason,
    detail: string,
  ) {
    super(detail);
  }
}

export class SignerRejectedError extends DomainError {
  readonly status = 422;
  readonly slug = 'signer-rejected';
  readonly title = 'La firma fue rechazada';

  constructor(
    readonly reason: SignerRejectedReason,
    detail: string,
  ) {
    super(detail);
  }
}
