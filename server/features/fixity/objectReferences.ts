import type { Knex } from 'knex';
import type { Db } from '../../db/Db.ts';
import { OBJECT_KEY_COLUMNS } from '../objects/referencedObjectKeys.ts';

/** A record that references a stored object, named the way its owner finds it (document and version, IUIe…). */
export interface ObjectReference {
  objectKey: string;
  /** The referencing table: document_versions, filing_receipts, case_file_indexes… */
  kind: string;
  agencyId: string;
  documentId: string | null;
  version: number | null;
  caseFile: string | null;
  indexVersion: number | null;
  receiptNumber: string | null;
  communicationId: string | null;
  copyId: string | null;
}

/** The query naming a table's records; the table keeps its own name, which the `live` conditions use. */
type Describe = (db: Db) => Knex.QueryBuilder;
const NONE = { document_id: null, version: null, case_file: null, index_version: null, receipt_number: null, communication_id: null, copy_id: null };
const cols = (db: Db, table: string, column: string, named: Partial<Record<keyof typeof NONE, string>>) =>
  Object.entries({ ...NONE, ...named })
    .map(([alias, source]) => (source === null ? db.raw('null as ??', [alias]) : db.raw('?? as ??', [source, alias])))
    .concat(db.raw('?? as object_key', [`${table}.${column}`]), db.raw('?? as agency_id', [`${table}.agency_id`]));

/** How each referencing table names its record; a table without an entry is still reported, by table and agency. */
const DESCRIBE: Record<string, Describe> = {
  document_versions: (db) => db('document_versions').select(cols(db, 'document_versions', 'object_key', { document_id: 'document_versions.document_id', version: 'document_versions.number' })),
  filing_receipts: (db) =>
    db('filing_receipts')
      .join('document_versions as v', 'v.id', 'filing_receipts.version_id')
      .select(cols(db, 'filing_receipts', 'object_key', { document_id: 'v.document_id', version: 'v.number', receipt_number: 'filing_receipts.receipt_number' })),
  case_file_indexes: (db) =>
    db('case_file_indexes')
      .join('case_files as f', 'f.id', 'case_file_indexes.case_file_id')
      .select(cols(db, 'case_file_indexes', 'object_key', { case_file: 'f.iuie', index_version: 'case_file_indexes.number' })),
  case_file_receipts: (db) =>
    db('case_file_receipts')
      .join('case_files as f', 'f.id', 'case_file_receipts.case_file_id')
      .select(cols(db, 'case_file_receipts', 'object_key', { case_file: 'f.iuie', receipt_number: 'case_file_receipts.receipt_number' })),
  authorized_copies: (db) =>
    db('authorized_copies')
      .leftJoin('document_versions as v', 'v.id', 'authorized_copies.version_id')
      .leftJoin('case_files as f', 'f.id', 'authorized_copies.case_file_id')
      .select(cols(db, 'authorized_copies', 'object_key', { copy_id: 'authorized_copies.id', document_id: 'v.document_id', version: 'v.number', case_file: 'f.iuie', index_version: 'authorized_copies.case_file_index_version' })),
  communication_recipients: (db) =>
    db('communication_recipients').select(cols(db, 'communication_recipients', 'receipt_object_key', { communication_id: 'communication_recipients.communication_id', receipt_number: 'communication_recipients.receipt_number' })),
};

/**
 * Every record that references these keys, over all of OBJECT_KEY_COLUMNS; only the agency's own records when
 * `agencyId` is given (each referencing table carries agency_id, DESIGN.md §5).
 */
export async function objectReferences(db: Db, keys: string[], agencyId: string | null): Promise<ObjectReference[]> {
  if (keys.length === 0) return [];
  const found: ObjectReference[] = [];
  for (const { table, column, live } of OBJECT_KEY_COLUMNS) {
    const q = DESCRIBE[table]?.(db) ?? db(table).select(cols(db, table, column, {}));
    q.whereIn(`${table}.${column}`, keys);
    if (live) q.whereRaw(live);
    if (agencyId !== null) q.where(`${table}.agency_id`, agencyId);
    /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows come untyped from knex */
    for (const r of (await q) as any[]) {
      found.push({
        objectKey: r.object_key,
        kind: table,
        agencyId: r.agency_id,
        documentId: r.document_id,
        version: r.version,
        caseFile: r.case_file,
        indexVersion: r.index_version,
        receiptNumber: r.receipt_number,
        communicationId: r.communication_id,
        copyId: r.copy_id,
      });
    }
  }
  return found;
}
