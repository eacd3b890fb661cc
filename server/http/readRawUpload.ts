import { Transform, type TransformCallback } from 'node:stream';
import type { Context } from 'koa';
import type { ObjectStore, PutResult } from '../../storage/ObjectStore.ts';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors.ts';

export interface RawUploadLimits {
  maxBytes: number;
  mediaTypes: string[];
  /** What the body should be, in words, for the 415 message. */
  what: string;
}

/** Passes bytes through and fails the stream once more than `max` have gone by. */
class ByteLimit extends Transform {
  private seen = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
    this.seen += chunk.length;
    if (this.seen > this.max) return done(new PayloadTooLargeError(`El cuerpo supera el máximo de ${this.max} bytes.`));
    done(null, chunk);
  }
}

/**
 * Streams a raw request body (not multipart) into the object store while it is hashed, bounded in size. A body
 * over the limit, of the wrong type, empty or cut short keeps nothing.
 */
export async function readRawUpload(ctx: Context, store: ObjectStore, limits: RawUploadLimits, discard: (put: PutResult) => Promise<void>): Promise<PutResult> {
  if (!ctx.is(limits.mediaTypes)) {
    throw new UnsupportedMediaTypeError(`Esta ruta espera ${limits.what} (${limits.mediaTypes.join(' o ')}); se recibió ${ctx.get('content-type') || 'nada'}.`);
  }
  const declared = Number(ctx.get('content-length') || NaN);
  if (declared > limits.maxBytes) throw new PayloadTooLargeError(`El cuerpo declara ${declared} bytes; el máximo es ${limits.maxBytes}.`);
  const abort = new AbortController();
  const onAborted = () => abort.abort(new BadRequestError('El cliente interrumpió el envío.'));
  ctx.req.on('aborted', onAborted);
  const limited = new ByteLimit(limits.maxBytes);
  limited.on('error', (err) => abort.abort(err));
  try {
    const put = await store.put(ctx.req.pipe(limited), { signal: abort.signal });
    if (put.size === 0) {
      await discard(put);
      throw new ValidationError(`El cuerpo está vacío: envíe ${limits.what}.`, [{ field: 'body', message: 'vacío' }]);
    }
    return put;
  } catch (err) {
    ctx.req.unpipe(limited);
    ctx.req.resume();
    throw abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : err;
  } finally {
    ctx.req.off('aborted', onAborted);
  }
}
