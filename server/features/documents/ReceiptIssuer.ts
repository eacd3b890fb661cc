import type { Db } from '../../db/Db.ts';
import type { Actor } from '../principals/Actor.ts';
import type { DocumentRow, VersionRow } from './documentRepository.ts';

export interface ReceiptRequest {
  actor: Actor;
  document: DocumentRow;
  version: VersionRow;
  /** Channel the filing came through (DS 10 art. 30 "canal de origen"). */
  channel: string;
  /** IUIe of the case file, when the filing belongs to one. */
  caseFile?: string;
}

/** Issues the signed filing receipt (certificado de presentación) inside the filing transaction. */
export interface ReceiptIssuer {
  issue(trx: Db, req: ReceiptRequest): Promise<{ number: string; sha256: string }>;
}
