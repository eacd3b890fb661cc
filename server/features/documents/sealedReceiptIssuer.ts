import type { ReceiptSealer } from '../receipts/sealReceipt.ts';
import { documentRepository } from './documentRepository.ts';
import type { ReceiptIssuer } from './ReceiptIssuer.ts';

/** Receipts are sealed PDFs, stored like any object and referenced from filing_receipts in the filing transaction. */
export function sealedReceiptIssuer(sealer: ReceiptSealer): ReceiptIssuer {
  return {
    async issue(trx, { actor, document, version, channel, caseFile }) {
      const r = await sealer.seal(trx, {
        actor,
        channel,
        caseFile: caseFile ?? null,
        filed: [
          ['Documento', `${document.identifier} · versión ${version.number}`],
          ['Título', document.title],
          ['Formato y tamaño', `${version.mediaType}, ${version.size.toLocaleString('es-CL')} bytes`],
          ['Huella SHA-256 del contenido', version.sha256],
        ],
      });
      await documentRepository.insertReceipt(trx, { agencyId: actor.agencyId, versionId: version.id, receiptNumber: r.receiptNumber, sha256: r.sha256, objectKey: r.objectKey });
      return { number: r.receiptNumber, sha256: r.sha256 };
    },
  };
}
