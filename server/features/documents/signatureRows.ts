import { validatePdfSignatures } from '../../../standards/pades/validatePdfSignatures.ts';
import type { SignatureRow } from './documentRepository.ts';

/** Validates every signature of a PDF and turns the report into the rows stored with the version. */
export async function signatureRows(pdf: Buffer, trustAnchors: string[]): Promise<SignatureRow[]> {
  const report = await validatePdfSignatures(pdf, { trustAnchors });
  return report.signatures.map((s, i) => ({
    position: i + 1,
    signerName: s.signer?.commonName ?? s.name,
    signerRun: s.signer?.run ?? null,
    signedAt: s.signingTime,
    valid: s.valid,
    coversWholeDocument: s.coversWholeFile,
    report: JSON.parse(JSON.stringify({ ...s, fileProblems: report.problems })),
  }));
}
