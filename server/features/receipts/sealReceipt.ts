import { Readable } from 'node:stream';
import { filingReceiptPdf } from '../../../standards/chile/filingReceiptPdf.ts';
import { signPdf } from '../../../standards/pades/signPdf.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { assertObjectPresent } from '../objects/objectGuard.ts';
import type { Actor } from '../principals/Actor.ts';
import { nextRegistryNumber } from '../registry/nextRegistryNumber.ts';
import type { Signer } from '../signing/Signer.ts';

export interface ReceiptSealer {
  /**
   * Numbers (CP-<year>-<n>, the agency's one receipt sequence), renders, seals and stores a filing receipt inside
   * the caller's transaction; the caller records which filing it belongs to.
   */
  seal(trx: Db, req: { actor: Actor; channel: string; caseFile: string | null; filed: Array<[string, string]> }): Promise<{ receiptNumber: string; sha256: string; objectKey: string }>;
}

export function receiptSealer(store: ObjectStore, seal: Signer, clock: Clock, platform: string): ReceiptSealer {
  return {
    async seal(trx, { actor, channel, caseFile, filed }) {
      const now = clock.now();
      const agency = await trx('agencies').where({ id: actor.agencyId }).first('code', 'name');
      const filer = await trx('principals').where({ id: actor.principalId }).first('id', 'name', 'run');
      const receiptNumber = `CP-${now.getUTCFullYear()}-${String(await nextRegistryNumber(trx, actor.agencyId, 'CP', now.getUTCFullYear())).padStart(6, '0')}`;
      const unsigned = await filingReceiptPdf({
        receiptNumber,
        issuedAt: now,
        channel,
        caseFile,
        agency: { code: agency.code, name: agency.name },
        filer: { id: filer.id, name: filer.name, run: filer.run },
        platform,
        filed,
      });
      const signed = await signPdf(Buffer.from(unsigned), seal, {
        reason: `Certificado de presentación ${receiptNumber} (DS 10, art. 30)`,
        signerName: seal.describe().name,
        signerPost: 'Sello electrónico del órgano receptor',
        signingTime: now,
      });
      const put = await store.put(Readable.from([signed.pdf]));
      await assertObjectPresent(trx, store, put.key);
      return { receiptNumber, sha256: put.sha256, objectKey: put.key };
    },
  };
}
