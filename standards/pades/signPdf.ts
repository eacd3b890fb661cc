import { createHash } from 'node:crypto';
import { SignPdf } from '@signpdf/signpdf';
import { Signer as SignPdfSigner, SignPdfError } from '@signpdf/utils';
import type { SignContext, Signer } from '../../server/features/signing/Signer.ts';
import { addSignaturePlaceholder } from './addSignaturePlaceholder.ts';
import { PdfSigningError } from './PdfSigningError.ts';

export interface SignPdfOptions {
  reason: string;
  signerName: string;
  signerPost: string;
  location?: string;
  contactInfo?: string;
  signingTime: Date;
  /** A stamp with name, post and time on the last page; otherwise the signature is invisible. */
  visibleStamp?: boolean;
  /** Passed to the signer: FirmaGob "Propósito General" needs the signer's OTP. */
  otp?: string;
  /** Passed to the signer: what is being signed, for the remote service's records. */
  description?: string;
}

export interface SignedPdf {
  pdf: Buffer;
  /** Name of the new signature field (Firma1, Firma2…). */
  fieldName: string;
  /** The remote signer's request id (FirmaGob idSolicitud), to store with the signature. */
  requestId?: string;
}

/**
 * Signs a PDF (PAdES): appends a signature field as an incremental update, lets @signpdf compute the ByteRange,
 * hands the SHA-256 of that range to the signer and embeds the CMS it returns. Earlier signatures stay valid.
 */
export async function signPdf(pdf: Buffer, signer: Signer, opts: SignPdfOptions): Promise<SignedPdf> {
  const description = signer.describe();
  const { pdf: prepared, fieldName } = await addSignaturePlaceholder(pdf, {
    subFilter: description.subFilter,
    contentsBytes: description.maxCmsBytes,
    signingTime: opts.signingTime,
    name: opts.signerName,
    reason: opts.reason,
    ...(opts.location ? { location: opts.location } : {}),
    ...(opts.contactInfo ? { contactInfo: opts.contactInfo } : {}),
    ...(opts.visibleStamp ? { stamp: { signerName: opts.signerName, signerPost: opts.signerPost, signingTime: opts.signingTime } } : {}),
  });
  const ctx: SignContext = {
    signingTime: opts.signingTime,
    ...(opts.otp ? { otp: opts.otp } : {}),
    ...(opts.description ? { description: opts.description } : {}),
  };
  const adapter = new DigestSignerAdapter(signer, ctx);
  try {
    const signed = await new SignPdf().sign(prepared, adapter);
    return { pdf: signed, fieldName, ...(adapter.requestId ? { requestId: adapter.requestId } : {}) };
  } catch (error) {
    if (error instanceof SignPdfError) {
      throw new PdfSigningError(`No se pudo incrustar la firma en el PDF: ${error.message}`);
    }
    throw error;
  }
}

/** @signpdf hands over the bytes of the ByteRange; our signers take their SHA-256. */
class DigestSignerAdapter extends SignPdfSigner {
  requestId: string | undefined;

  constructor(
    private readonly signer: Signer,
    private readonly ctx: SignContext,
  ) {
    super();
  }

  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    const result = await this.signer.signDigest(createHash('sha256').update(pdfBuffer).digest(), this.ctx);
    this.requestId = result.requestId;
    return result.cms;
  }
}
