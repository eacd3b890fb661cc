/** What the PDF signature dictionary says about the CMS it carries. */
export type PdfSubFilter = 'ETSI.CAdES.detached' | 'adbe.pkcs7.detached';

export interface SignerDescription {
  kind: 'local-seal' | 'firmagob';
  /** The signer as a person reads it: the seal's or the official's name. */
  name: string;
  /** Normalised RUN (12345678-5) of the person signing, when a person signs. */
  run?: string;
  subFilter: PdfSubFilter;
  /** Upper bound of the DER CMS this signer returns; the PDF reserves this much space before signing. */
  maxCmsBytes: number;
}

export interface SignContext {
  /** The time written into the PDF (/M); a seal also refuses to sign outside its certificate's validity. */
  signingTime: Date;
  /** One-time password from the signer's authenticator; FirmaGob "Propósito General" requires it. */
  otp?: string;
  /** What is being signed, in words; remote signers keep it with their request. */
  description?: string;
}

export interface DigestSignature {
  /** DER CMS SignedData, detached, over the digest given. */
  cms: Buffer;
  /** The remote service's id for the request (FirmaGob idSolicitud), to keep with the signature. */
  requestId?: string;
}

/**
 * Every signer (local agency seal, FirmaGob) signs a SHA-256 digest computed by the caller over the PDF's byte
 * range, so document bytes never leave the service.
 */
export interface Signer {
  describe(): SignerDescription;
  /** Throws SignerUnavailableError or SignerRejectedError (server/features/signing/signerErrors.ts). */
  signDigest(digest: Buffer, ctx: SignContext): Promise<DigestSignature>;
}
