import { MGDDE } from '../../../standards/chile/documentMetadata.ts';
import type { Db } from '../../db/Db.ts';
import type { DocumentRow } from '../documents/documentRepository.ts';

/** 'registry' rows are written by the database when a version is numbered (see the search_codes migration). */
export type TextSource = 'metadata' | 'extracted' | 'ocr' | 'registry';

/** A tsvector holds at most 1 MB of lexemes; texts are cut well before that so indexing never fails a filing. */
export const MAX_INDEXED_CHARS = 1_000_000;

/**
 * Indexes (or re-indexes) one text of a version, in the caller's transaction. Metadata goes in with the filing;
 * extracted and OCR text can be added later for any version, and the search finds them with no other change.
 */
export async function indexDocumentText(
  db: Db,
  t: { agencyId: string; documentId: string; versionId: string; source: TextSource; text: string },
): Promise<void> {
  await db('document_texts')
    .insert({ version_id: t.versionId, source: t.source, document_id: t.documentId, agency_id: t.agencyId, text: t.text.slice(0, MAX_INDEXED_CHARS) })
    .onConflict(['version_id', 'source'])
    .merge(['text', 'created_at']);
}

const strings = (value: unknown): string[] => (typeof value === 'string' && value ? [value] : []);
const records = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : []);

/**
 * The searchable text of a document's metadata: identifier and title first (snippets tend to show them), then
 * series, summary, keywords, actors and signers with their RUNs, procedure and file name. The search migration
 * builds the same layout in SQL for documents filed before it.
 */
export function metadataText(d: Pick<DocumentRow, 'identifier' | 'title' | 'seriesCode' | 'metadata'>): string {
  const m = d.metadata;
  const line = (...parts: unknown[]) => parts.flatMap(strings).join(' ');
  const keywords = Array.isArray(m[MGDDE.keywords]) ? line(...(m[MGDDE.keywords] as unknown[])) : '';
  return [
    d.identifier,
    d.title,
    d.seriesCode ?? '',
    ...strings(m[MGDDE.summary]),
    keywords,
    records(m[MGDDE.actors]).map((a) => line(a.name, a.id)).join('\n'),
    records(m[MGDDE.signers]).map((s) => line(s.name, s.post, s.run)).join('\n'),
    ...strings(m[MGDDE.procedureCode]),
    ...strings(m[MGDDE.procedureName]),
    ...strings(m[MGDDE.fileName]),
  ]
    .filter(Boolean)
    .join('\n');
}
