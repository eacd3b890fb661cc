import type { XmlSealKey } from '../../../standards/xmldsig/XmlSealKey.ts';
import type { Db } from '../../db/Db.ts';
import type { Actor } from '../principals/Actor.ts';
import type { CaseFileRow } from './caseFileRepository.ts';

/** The agency seal as XML signatures need it, and the anchors a seal must chain to when verifying. */
export interface IndexSeal {
  key: XmlSealKey;
  anchors: string[];
}

/** Fetches what a persistent link serves and hashes it; null when it cannot be reached within the bounds. */
export interface LinkHasher {
  sha256(uri: string): Promise<string | null>;
}

/** Issues the signed filing receipt of a case-file act (opening, receiving a remission) inside its transaction. */
export interface CaseFileReceiptIssuer {
  issue(trx: Db, req: { actor: Actor; caseFile: CaseFileRow; act: 'apertura' | 'recepcion'; detail: string }): Promise<{ number: number; receiptNumber: string; sha256: string }>;
}
