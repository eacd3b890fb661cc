import type { ReceiptSealer } from '../receipts/sealReceipt.ts';
import type { CaseFileReceiptIssuer } from './CaseFileAdapters.ts';
import { caseFileRepository } from './caseFileRepository.ts';

/** Case-file receipts (opening, receiving a remission): sealed PDFs referenced from case_file_receipts. */
export function sealedCaseFileReceiptIssuer(sealer: ReceiptSealer): CaseFileReceiptIssuer {
  return {
    async issue(trx, { actor, caseFile, act, detail }) {
      const r = await sealer.seal(trx, {
        actor,
        channel: 'API',
        caseFile: caseFile.iuie,
        filed: [
          ['Acto', detail],
          ['Título del expediente', caseFile.title],
          ['Procedimiento (código CPAT)', caseFile.procedureCode],
        ],
      });
      const number = await caseFileRepository.insertReceipt(trx, { agencyId: actor.agencyId, caseFileId: caseFile.id, act, receiptNumber: r.receiptNumber, sha256: r.sha256, objectKey: r.objectKey });
      return { number, receiptNumber: r.receiptNumber, sha256: r.sha256 };
    },
  };
}
