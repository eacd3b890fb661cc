import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChecksumMismatchError } from './errors.ts';
import { HashingPassThrough } from './HashingPassThrough.ts';
import { normalizeSha256 } from './objectKey.ts';

export interface PipeHashedOptions {
  /** Checked once the body has ended; a mismatch rejects with ChecksumMismatchError. */
  expectedSha256?: string | undefined;
  signal?: AbortSignal | undefined;
  maxSize?: number | undefined;
}

/**
 * Streams `body` into `destination` through a hashing pass-through and resolves with the digest and size. This is
 * the write half both adapters share; each only supplies where the bytes go. Whatever happens, it settles only after
 * `destination` has closed, so callers may clean up right after.
 *
 * Abort is implemented by destroying the source with `signal.reason` rather than by pipeline's own `signal` option:
 * on abort, pipeline rejects at once without waiting for the destination to close, and the adapters clean up their
 * temporary data right after a rejection, which must not race with writes still in flight. A destroyed source is an
 * ordinary stream error, for which pipeline waits until every stream has closed.
 */
export async function pipeHashed(
  body: Readable,
  destination: Writable,
  { expectedSha256, signal, maxSize }: PipeHashedOptions = {},
): Promise<{ sha256: string; size: number }> {
  let expected: string | undefined;
  try {
    expected = expectedSha256 === undefined ? undefined : normalizeSha256(expectedSha256);
  } catch (err) {
    // Before any byte is read, yet through the pipeline like any failure, so the destination is closed as usual.
    body.destroy(err as Error);
  }
  const hasher = new HashingPassThrough(maxSize);
  const abort = (): void => {
    // Rejects with the signal's reason, as fetch does; the default reason is a DOMException named AbortError.
    body.destroy(signal?.reason);
  };
  if (signal?.aborted) abort();
  else signal?.addEventListener('abort', abort, { once: true });
  try {
    await pipeline(body, hasher, destination);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
  if (expected !== undefined && expected !== hasher.sha256) throw new ChecksumMismatchError(expected, hasher.sha256);
  return { sha256: hasher.sha256, size: hasher.size };
}
