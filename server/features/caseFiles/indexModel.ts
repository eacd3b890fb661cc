import type { CaseFileMetadata } from '../../../standards/chile/caseFileMetadata.ts';
import type { CaseFileIndex, IndexEntry } from '../../../standards/caseFile/CaseFileIndex.ts';
import { parseCaseFileXml } from '../../../standards/caseFile/parseCaseFileXml.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Db } from '../../db/Db.ts';
import { readWhole } from '../documents/storeRangeSource.ts';
import { caseFileRepository, type CaseFileRow, type EntryDetail } from './caseFileRepository.ts';

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/xml': 'xml',
  'application/json': 'json',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/tiff': 'tif',
  'application/zip': 'zip',
  'text/plain': 'txt',
};

const pad6 = (n: number) => String(n).padStart(6, '0');

/**
 * Where an entry's bytes sit inside a remission package, relative to its case file's folder: the order decides
 * the name, so paths never come from user input.
 */
export const documentPath = (order: number, mediaType: string) => `documentos/${pad6(order)}.${EXTENSIONS[mediaType] ?? 'bin'}`;

/** The stored metadata of a case file with its live state and closing date. */
export function currentMetadata(c: CaseFileRow): CaseFileMetadata {
  return {
    ...(c.metadata as unknown as CaseFileMetadata),
    MGDEE1_4: c.state,
    ...(c.closedAt ? { MGDEE3_2: c.closedAt.toISOString() } : {}),
  };
}

/** Reads and parses a sealed index version from the store. */
export async function readSealedIndex(store: ObjectStore, objectKey: string): Promise<{ xml: Buffer; index: CaseFileIndex }> {
  const xml = await readWhole(store, objectKey);
  return { xml, index: parseCaseFileXml(xml.toString('utf8')) };
}

/** The case file's index as the database holds it now, with nested case files at the versions they pinned. */
export async function buildIndexModel(db: Db, store: ObjectStore, c: CaseFileRow, opts: { indexVersion: number | null; generatedAt: Date; details?: EntryDetail[] }): Promise<CaseFileIndex> {
  const details = opts.details ?? (await caseFileRepository.entryDetails(db, c.id));
  const entries: IndexEntry[] = [];
  for (const d of details) {
    const base = {
      order: d.position,
      incorporatedAt: d.incorporatedAt,
      addedBy: d.addedBy,
      removed: d.removedAt ? { at: d.removedAt, by: d.removedBy ?? '', reason: d.removedReason ?? '' } : null,
    };
    if (d.kind === 'document') {
      const v = d.version!;
      const doc = d.document!;
      entries.push({
        ...base,
        kind: 'document',
        documentIdentifier: doc.identifier,
        version: v.number,
        title: doc.title,
        mediaType: v.mediaType,
        size: v.size,
        sha256: d.sha256!,
        firstFolio: d.firstFolio!,
        lastFolio: d.lastFolio!,
        packagePath: documentPath(d.position, v.mediaType),
        fields: doc.metadata,
      });
    } else if (d.kind === 'link') {
      entries.push({ ...base, kind: 'link', uri: d.linkUri!, description: d.linkDescription!, sha256: d.sha256 });
    } else {
      const pinned = await caseFileRepository.findIndexVersion(db, d.nestedCaseFileId!, d.nestedIndexVersion!);
      const { index } = await readSealedIndex(store, pinned!.objectKey);
      entries.push({ ...base, kind: 'case-file', index, indexVersion: d.nestedIndexVersion!, sha256: d.sha256!, firstFolio: d.firstFolio!, lastFolio: d.lastFolio! });
    }
  }
  return { metadata: currentMetadata(c), indexVersion: opts.indexVersion, generatedAt: opts.generatedAt, entries };
}
