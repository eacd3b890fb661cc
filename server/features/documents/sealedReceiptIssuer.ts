import { Readable } from 'node:stream';
import { filingReceiptPdf } from '../../../standards/chile/filingReceiptPdf.ts';
import { signPdf } from '../../../standards/pades/signPdf.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Clock } from '../../clock.ts';
import { assertObjectPresent } from '../objects/objectGuard.ts';
import { nextRegistryNumber } from '../registry/nextRegistryNumber.ts';
import type { Signer } from '../signing/Signer.ts';
import { documentRepository } from './documentRepository.ts';
import type { ReceiptIssuer } from './ReceiptIssuer.ts';

/** Receipts are sealed PDFs, stored like any object and referenced from filing_receipts in the filing transaction. */
export function sealedReceiptIssuer(store: ObjectStore, seal: Signer, clock: Clock, platform: string): ReceiptIssuer {
  return {
    async issue(trx, { actor, document, version, channel, caseFile }) {
      const now = clock.now();
      const agency = await trx('agencies').where({ id: actor.agencyId }).first('code', 'name');
      const filer = await trx('principals').where({ id: actor.principalId }).first('id', 'name', 'run');
      const number = `CP-${now.getUTCFullYear()}-${String(await nextRegistryNumber(trx, actor.agencyId, 'CP', now.getUTCFullYear())).padStart(6, '0')}`;
      const unsigned = await filingReceiptPdf({
        receiptNumber: number,
        issuedAt: now,
        channel,
        caseFile: caseFile ?? null,
        agency: { code: agency.code, name: agency.name },
        filer: { id: filer.id, name: filer.name, run: filer.run },
        platform,
        document: { identifier: document.identifier, title: document.title, version: version.number, sha256: version.sha256, size: version.size, mediaType: version.mediaType },
      });
      const signed = await signPdf(Buffer.from(unsigned), seal, {
        reason: `Certificado de presentación ${number} (DS 10, art. 30)`,
        signerName: seal.describe().name,
        signerPost: 'Sello electrónico del órgano receptor',
        signingTime: now,
      });
      const put = await store.put(Readable.from([signed.pdf]));
      await assertObjectPresent(trx, store, put.key);
      await documentRepository.insertReceipt(trx, { agencyId: actor.agencyId, versionId: version.id, receiptNumber: number, sha256: put.sha256, objectKey: put.key });
      return { number, sha256: put.sha256 };
    },
  };
}
