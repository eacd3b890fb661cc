import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { Client, S3Error, type BucketItem } from 'minio';
import { InvalidKeyError, ObjectNotFoundError } from './errors.ts';
import { assertObjectKey, isObjectKey, objectKey } from './objectKey.ts';
import type {
  ByteRange,
  ObjectInfo,
  ObjectStat,
  ObjectStore,
  PutOptions,
  PutResult,
  TemporaryEntry,
} from './ObjectStore.ts';
import { pipeHashed } from './pipeHashed.ts';
import { resolveRange } from './resolveRange.ts';
import { S3TemporaryUpload } from './S3TemporaryUpload.ts';
import { isTemporaryName, temporaryName } from './temporaryName.ts';

const MiB = 1024 * 1024;
/** S3's smallest part (but the last). */
const MIN_PART_SIZE = 5 * MiB;
/** Largest single CopyObject, which publishing relies on. */
const MAX_COPY_SIZE = 5 * 1024 * MiB;
const TEMP_PREFIX = 'tmp/';
const TEMP_ID = /^tmp\/([^/?]+)(?:\?uploadId=(.+))?$/;

export interface S3ObjectStoreOptions {
  endPoint: string;
  port?: number | undefined;
  useSSL?: boolean | undefined;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region?: string | undefined;
  /**
   * Multipart part size, also the largest object sent in a single PUT. A put holds about two parts in memory.
   * At least 5 MiB (S3's minimum); default 16 MiB.
   */
  partSize?: number | undefined;
  /** At most (and by default) 5 GiB, the CopyObject limit. */
  maxObjectSize?: number | undefined;
  /**
   * A re-put of identical bytes rewrites the object only if it is older than this (default one hour), to restart
   * the sweeper's grace period; younger objects are left alone so duplicates do not pile up versions in versioned
   * (Object Lock) buckets. The sweeper's grace period must be well above it.
   */
  refreshAfterMs?: number | undefined;
}

/**
 * Objects in one bucket under `sha256/…`, through the MinIO client. A put streams into a multipart upload under
 * `tmp/<uuid>` (or keeps an object of at most one part in memory), and only once the hash is known and checked does
 * it publish: one atomic PUT for a small object, else complete the upload and server-side copy it to the final key.
 */
export class S3ObjectStore implements ObjectStore {
  readonly #client: Client;
  readonly #bucket: string;
  readonly #region: string;
  readonly #partSize: number;
  readonly #maxObjectSize: number;
  readonly #refreshAfterMs: number;

  constructor(options: S3ObjectStoreOptions) {
    const { partSize = 16 * MiB, maxObjectSize = MAX_COPY_SIZE, refreshAfterMs = 3_600_000 } = options;
    if (!(Number.isSafeInteger(partSize) && partSize >= MIN_PART_SIZE && partSize <= MAX_COPY_SIZE)) {
      throw new RangeError(`partSize must be an integer between ${MIN_PART_SIZE} and ${MAX_COPY_SIZE}`);
    }
    if (!(maxObjectSize >= 0 && maxObjectSize <= MAX_COPY_SIZE)) {
      throw new RangeError(`maxObjectSize must be between 0 and ${MAX_COPY_SIZE}`);
    }
    this.#region = options.region ?? 'us-east-1';
    this.#client = new Client({
      endPoint: options.endPoint,
      port: options.port,
      useSSL: options.useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: this.#region,
      // putObject goes multipart (listing uploads first) above the client's part size; matching ours keeps every
      // single-part object a single PUT.
      partSize,
    });
    this.#bucket = options.bucket;
    this.#partSize = partSize;
    this.#maxObjectSize = maxObjectSize;
    this.#refreshAfterMs = refreshAfterMs;
  }

  async init(): Promise<void> {
    if (await this.#client.bucketExists(this.#bucket)) return;
    try {
      await this.#client.makeBucket(this.#bucket, this.#region);
    } catch (err) {
      // Another process starting at the same time may have created it first.
      if (!(err instanceof S3Error && err.code === 'BucketAlreadyOwnedByYou')) throw err;
    }
  }

  async put(body: Readable, opts: PutOptions = {}): Promise<PutResult> {
    const upload = new S3TemporaryUpload(this.#client, this.#bucket, TEMP_PREFIX + temporaryName(), this.#partSize);
    try {
      const digest = await pipeHashed(body, upload, { ...opts, maxSize: this.#maxObjectSize });
      const key = objectKey(digest.sha256);
      const existing = await this.stat(key);
      if (existing && Date.now() - existing.lastModified.getTime() < this.#refreshAfterMs) {
        return { key, ...digest, created: false };
      }
      await upload.publish(key);
      return { key, ...digest, created: existing === null };
    } finally {
      await upload.discard();
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertObjectKey(key);
    if (range === undefined) {
      return await this.#client.getObject(this.#bucket, key).catch((err: unknown) => rethrow(err, key));
    }
    const stat = await this.stat(key);
    if (stat === null) throw new ObjectNotFoundError(key);
    const { start, end } = resolveRange(range, stat.size);
    const length = end - start + 1;
    const response = await this.#client
      .getPartialObject(this.#bucket, key, start, length)
      .catch((err: unknown) => rethrow(err, key));
    // Better an error than wrong bytes served as a partial response, should a server ignore or misread the Range
    // header (s3rver answers `bytes=0-0` with the whole object).
    const served = Number((response as IncomingMessage).headers['content-length']);
    if (served !== length) {
      response.destroy();
      throw new Error(`object store sent ${served} bytes for a range of ${length} bytes of ${key}`);
    }
    return response;
  }

  async stat(key: string): Promise<ObjectStat | null> {
    assertObjectKey(key);
    try {
      const { size, lastModified } = await this.#client.statObject(this.#bucket, key);
      return { size, lastModified };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    assertObjectKey(key);
    await this.#client.removeObject(this.#bucket, key);
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    // Ask for at least `sha256/` so the temporary area is never paged through.
    const requested = prefix.length > 'sha256/'.length ? prefix : 'sha256/';
    for await (const item of this.#client.listObjectsV2(this.#bucket, requested, true) as AsyncIterable<BucketItem>) {
      if (item.name === undefined || !item.name.startsWith(prefix) || !isObjectKey(item.name)) continue;
      yield { key: item.name, size: item.size, lastModified: item.lastModified };
    }
  }

  /** Completed temporary objects (a put died between completing and copying) and unfinished multipart uploads. */
  async *listTemporary(): AsyncIterable<TemporaryEntry> {
    const objects = this.#client.listObjectsV2(this.#bucket, TEMP_PREFIX, true) as AsyncIterable<BucketItem>;
    for await (const item of objects) {
      if (item.name !== undefined && isTemporaryKey(item.name)) yield { id: item.name, lastModified: item.lastModified };
    }
    yield* this.#incompleteUploads();
  }

  async *#incompleteUploads(): AsyncIterable<TemporaryEntry> {
    let keyMarker = '';
    for (;;) {
      let page;
      try {
        // The query, not the client's listIncompleteUploads, which also lists every upload's parts to sum sizes.
        page = await this.#client.listIncompleteUploadsQuery(this.#bucket, TEMP_PREFIX, keyMarker, '', '');
      } catch (err) {
        // Servers without ListMultipartUploads (s3rver) cannot show them, so there is nothing to sweep; S3 and
        // MinIO implement it. Expiring incomplete uploads with a bucket lifecycle rule is a good backstop anyway.
        if (err instanceof S3Error && err.code === 'NotImplemented') return;
        throw err;
      }
      for (const upload of page.uploads) {
        if (isTemporaryKey(upload.key)) {
          yield { id: `${upload.key}?uploadId=${upload.uploadId}`, lastModified: upload.initiated };
        }
      }
      // Paging by key alone is enough: each temporary key carries exactly one upload.
      if (!page.isTruncated || !page.nextKeyMarker) return;
      keyMarker = page.nextKeyMarker;
    }
  }

  async removeTemporary(id: string): Promise<void> {
    const [, name, uploadId] = TEMP_ID.exec(id) ?? [];
    if (name === undefined || !isTemporaryName(name)) throw new InvalidKeyError(id);
    const key = TEMP_PREFIX + name;
    if (uploadId === undefined) await this.#client.removeObject(this.#bucket, key);
    else await this.#client.abortMultipartUpload(this.#bucket, key, uploadId);
  }
}

function isTemporaryKey(key: string): boolean {
  return key.startsWith(TEMP_PREFIX) && isTemporaryName(key.slice(TEMP_PREFIX.length));
}

function isNotFound(err: unknown): boolean {
  return err instanceof S3Error && (err.code === 'NoSuchKey' || err.code === 'NotFound');
}

function rethrow(err: unknown, key: string): never {
  throw isNotFound(err) ? new ObjectNotFoundError(key) : err;
}
