import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ObjectTooLargeError } from './errors.ts';

/**
 * Pass-through that hashes (SHA-256) and counts the bytes flowing through it, so an object is hashed while it is
 * written instead of in a second pass. Fails the stream as soon as `maxSize` is exceeded, before the byte is passed on.
 */
export class HashingPassThrough extends Transform {
  readonly #hash = createHash('sha256');
  readonly #maxSize: number;
  #size = 0;
  #digest: string | undefined;

  constructor(maxSize = Number.POSITIVE_INFINITY) {
    super();
    this.#maxSize = maxSize;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    if (this.#size > this.#maxSize) {
      callback(new ObjectTooLargeError(this.#maxSize));
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = this.#hash.digest('hex');
    callback();
  }

  /** Lower-case hex digest; only available once the stream has ended. */
  get sha256(): string {
    if (this.#digest === undefined) throw new Error('HashingPassThrough: digest read before the stream ended');
    return this.#digest;
  }

  get size(): number {
    return this.#size;
  }
}
