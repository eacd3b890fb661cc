import type { Readable } from 'node:stream';

export interface PutOptions {
  /** Hex SHA-256 the caller declared; on mismatch the put rejects with ChecksumMismatchError and keeps nothing. */
  expectedSha256?: string | undefined;
  /** Aborting rejects the put with the signal's reason and keeps nothing. */
  signal?: AbortSignal | undefined;
}

export interface PutResult {
  key: string;
  sha256: string;
  size: number;
  /** False when identical bytes were already stored (the existing object is kept). */
  created: boolean;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`; no end means "to the last byte". */
export interface ByteRange {
  start: number;
  end?: number | undefined;
}

export interface ObjectStat {
  size: number;
  lastModified: Date;
}

export interface ObjectInfo extends ObjectStat {
  key: string;
}

/** A leftover of an interrupted put (temporary file, temporary object or unfinished multipart upload). */
export interface TemporaryEntry {
  /** Opaque, adapter-specific; pass it back to `removeTemporary`. */
  id: string;
  lastModified: Date;
}

/**
 * Content-addressed, write-once object storage (DESIGN.md §6). Keys are `sha256/<aa>/<bb>/<hex>` of the bytes;
 * every method that takes a key rejects anything else with InvalidKeyError.
 */
export interface ObjectStore {
  /** Prepares the backend (directories, bucket). Call once before use; safe to call again. */
  init(): Promise<void>;

  /**
   * Streams `body` to storage while hashing it, with memory bounded whatever the size. Nothing is ever visible under
   * the final key until all bytes are durably stored and verified: a failed, aborted or killed put leaves at most a
   * temporary entry, which it removes itself unless the process died (then `sweepOrphans` does). Re-putting identical
   * bytes is idempotent and refreshes the object's lastModified, so the sweeper's grace period covers the time
   * until the caller's row referencing it is committed.
   */
  put(body: Readable, opts?: PutOptions): Promise<PutResult>;

  /** Throws ObjectNotFoundError, or InvalidRangeError for an unsatisfiable range. */
  get(key: string, range?: ByteRange): Promise<Readable>;

  /** Null when the object does not exist. */
  stat(key: string): Promise<ObjectStat | null>;

  exists(key: string): Promise<boolean>;

  /** Idempotent: deleting a missing object is not an error (S3 cannot tell the difference either). */
  delete(key: string): Promise<void>;

  /** Objects whose key starts with `prefix`, in key order. Temporary data is never listed. */
  list(prefix?: string): AsyncIterable<ObjectInfo>;

  listTemporary(): AsyncIterable<TemporaryEntry>;

  removeTemporary(id: string): Promise<void>;
}
