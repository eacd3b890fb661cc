import type { Readable } from 'node:stream';
import type { Finding } from '../../../standards/archive/validation/PackageReport.ts';

/** A regular file of a package, by its checked, normalised path inside the container. */
export interface ArchiveEntry {
  path: string;
  size: number;
}

/**
 * A tar, a zip or a folder read in place: nothing is extracted. Files are opened by entry, in any order, so the
 * validator reads the small tag and METS files first and then hashes each file once with exactly the algorithms
 * it needs.
 */
export interface PackageArchive {
  files: ArchiveEntry[];
  directories: Set<string>;
  /** The entry's bytes; the stream fails with ArchiveReadError if the container lies about them. */
  open(entry: ArchiveEntry): Promise<Readable>;
  close(): Promise<void>;
}

/** Bounds that stop a zip bomb (or a huge tar) before and while it is read. */
export interface ArchiveLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio for a zip entry of more than 1 MiB. */
  maxRatio: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxEntries: 200_000,
  maxEntryBytes: 64 * 1024 ** 3,
  maxTotalBytes: 256 * 1024 ** 3,
  maxRatio: 200,
};

/** What opening a container found: the archive when it is safe to read, and every safety finding. */
export interface OpenedArchive {
  archive: PackageArchive | null;
  findings: Finding[];
}

/** A container that turned out to be damaged or lying while it was read; the validator reports it under `rule`. */
export class ArchiveReadError extends Error {
  constructor(
    readonly rule: 'SAFE-CONTAINER' | 'SAFE-LIMIT',
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'ArchiveReadError';
  }
}
