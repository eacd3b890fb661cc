import type { CaseFileMetadata } from '../chile/caseFileMetadata.ts';

/** The one digest algorithm legajo writes; its W3C URI goes next to every hash in the index. */
export const SHA256_URI = 'http://www.w3.org/2001/04/xmlenc#sha256';

/** Document metadata as carried in the index, keyed by MGDDE code (values as stored with the document). */
export type DocumentFields = Record<string, unknown>;

interface EntryBase {
  /** Position in the case file, 1-based, gap-free, never reused (a removed entry keeps its number). */
  order: number;
  /** When the item was incorporated (UTC). */
  incorporatedAt: Date;
  /** Principal id of whoever added it; "sistema" for automated acts (DS 10 art. 34). */
  addedBy: string;
  /** Set when the entry was removed from the open case file (desglose); it stays in the index, marked. */
  removed: { at: Date; by: string; reason: string } | null;
}

export interface DocumentEntry extends EntryBase {
  kind: 'document';
  /** MGDDE1_1 of the document and the exact version incorporated. */
  documentIdentifier: string;
  version: number;
  title: string;
  mediaType: string;
  size: number;
  sha256: string;
  /** Folio range: pages counted across the whole case file (a non-paginated format takes one folio). */
  firstFolio: number;
  lastFolio: number;
  /** Path of the bytes inside a remission package, relative to its root (set only in packages). */
  packagePath?: string;
  /** The document's metadata by MGDDE code, so a receiving agency can register it. */
  fields: DocumentFields;
}

export interface LinkEntry extends EntryBase {
  kind: 'link';
  /** Persistent http(s) URI of an item kept in another repository (DS 10 art. 23.2). */
  uri: string;
  description: string;
  /** Hash of what the URI served when incorporated, when it could be fetched. */
  sha256: string | null;
}

export interface NestedEntry extends EntryBase {
  kind: 'case-file';
  /** The nested case file's own index, as sealed in the version pinned at incorporation. */
  index: CaseFileIndex;
  /** Number of the nested case file's sealed index version that was pinned. */
  indexVersion: number;
  /** Hex SHA-256 of the nested case file's sealed index XML (the exact bytes of that version). */
  sha256: string;
  firstFolio: number;
  lastFolio: number;
}

export type IndexEntry = DocumentEntry | LinkEntry | NestedEntry;

/** Everything legajo's case-file XML carries: the guide's metadata by MGDEE code and the ordered index. */
export interface CaseFileIndex {
  metadata: CaseFileMetadata;
  /** Sealed index version this XML is (1, 2, …); null for an unsealed working view of an open case file. */
  indexVersion: number | null;
  /** When this index was generated (UTC). */
  generatedAt: Date;
  entries: IndexEntry[];
}
