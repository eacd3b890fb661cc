import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Client } from 'minio';

/**
 * Write side of an S3 put. Bytes are cut into parts of `partSize`; an object of at most one part stays in memory and
 * is later sent in one PUT, anything larger goes into a multipart upload under the temporary key. Memory is bounded
 * by about two parts: the one on the wire and the one filling.
 *
 * The multipart calls (initiate / uploadPart / complete / abort) are made here rather than through the client's
 * `putObject`, which first lists the bucket's incomplete uploads (ListMultipartUploads) to resume one. That listing
 * is useless here (every temporary key is new), costs a request per put on S3, and is missing from s3rver.
 */
export class S3TemporaryUpload extends Writable {
  readonly #client: Client;
  readonly #bucket: string;
  readonly #partSize: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #uploadId: string | undefined;
  readonly #parts: { part: number; etag: string }[] = [];
  #inFlight: Promise<void> = Promise.resolve();
  #completed = false;

  constructor(
    client: Client,
    bucket: string,
    readonly key: string,
    partSize: number,
  ) {
    super();
    this.#client = client;
    this.#bucket = bucket;
    this.#partSize = partSize;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#sendFullParts().then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const finish = async (): Promise<void> => {
      if (this.#uploadId === undefined) return; // single-PUT object, kept for publish()
      // Never empty: parts are only cut while more than a part is buffered.
      await this.#send(Buffer.concat(this.#chunks, this.#buffered));
      await this.#inFlight;
    };
    finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Report "closed" only once no part is on the wire, so discard() never races an upload.
    this.#inFlight.then(
      () => callback(error),
      () => callback(error),
    );
  }

  /** Makes the bytes appear under `finalKey`, whole, in one step. Call after the stream has finished. */
  async publish(finalKey: string): Promise<void> {
    if (this.#uploadId === undefined) {
      // A single PUT is atomic on S3: an interrupted one stores nothing, so it can target the final key directly.
      await this.#client.putObject(this.#bucket, finalKey, Buffer.concat(this.#chunks, this.#buffered));
      return;
    }
    await this.#client.completeMultipartUpload(this.#bucket, this.key, this.#uploadId, this.#parts);
    this.#completed = true;
    // S3 has no rename; a server-side copy is atomic for the destination (up to 5 GiB, hence the adapter's limit).
    await this.#client.copyObject(this.#bucket, finalKey, `/${this.#bucket}/${this.key}`);
  }

  /**
   * Removes the temporary object or aborts the multipart upload. Best effort: it runs after both failed and
   * successful puts and must not replace their outcome; anything it leaves is found by sweepOrphans.
   */
  async discard(): Promise<void> {
    this.#chunks = [];
    try {
      if (this.#completed) await this.#client.removeObject(this.#bucket, this.key);
      else if (this.#uploadId !== undefined) {
        await this.#client.abortMultipartUpload(this.#bucket, this.key, this.#uploadId);
      }
    } catch {
      // Left for the sweeper (s3rver, for one, does not implement AbortMultipartUpload).
    }
  }

  async #sendFullParts(): Promise<void> {
    // Strictly more than a part: an object of exactly one part still goes out in a single PUT.
    if (this.#buffered <= this.#partSize) return;
    let rest = Buffer.concat(this.#chunks, this.#buffered);
    while (rest.length > this.#partSize) {
      await this.#send(rest.subarray(0, this.#partSize));
      rest = rest.subarray(this.#partSize);
    }
    this.#chunks = [rest];
    this.#buffered = rest.length;
  }

  async #send(part: Buffer): Promise<void> {
    await this.#inFlight; // one part on the wire at a time; the next one fills meanwhile
    this.#uploadId ??= await this.#client.initiateNewMultipartUpload(this.#bucket, this.key, {});
    const uploadId = this.#uploadId;
    const partNumber = this.#parts.length + 1;
    const uploading = this.#client
      .uploadPart(
        {
          bucketName: this.#bucket,
          objectName: this.key,
          uploadID: uploadId,
          partNumber,
          // The client signs the payload hash only over plain HTTP; Content-MD5 guards the part over TLS too.
          headers: { 'Content-MD5': createHash('md5').update(part).digest('base64') },
        },
        part,
      )
      .then(({ etag }) => {
        this.#parts.push({ part: partNumber, etag });
      });
    // Observed later by the next #send, _final or _destroy; this only keeps Node from calling it unhandled meanwhile.
    uploading.catch(() => undefined);
    this.#inFlight = uploading;
  }
}
