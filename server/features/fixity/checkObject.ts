import { createHash } from 'node:crypto';
import { ObjectNotFoundError } from '../../../storage/errors.ts';
import { assertObjectKey } from '../../../storage/objectKey.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { ByteRateLimiter } from './byteRateLimiter.ts';
import type { Outcome } from './fixityRepository.ts';

export interface ObjectCheck {
  outcome: Outcome;
  expectedSha256: string;
  actualSha256: string | null;
  bytes: number;
}

/**
 * Streams one object through SHA-256 and compares it with the digest its key names. Memory is one chunk whatever
 * the size; every chunk passes the limiter before the next is read, so the read itself is paced.
 */
export async function checkObject(store: ObjectStore, key: string, limiter: ByteRateLimiter, signal?: AbortSignal): Promise<ObjectCheck> {
  assertObjectKey(key);
  const expectedSha256 = key.slice(-64);
  let body;
  try {
    body = await store.get(key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return { outcome: 'missing', expectedSha256, actualSha256: null, bytes: 0 };
    throw err;
  }
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      hash.update(chunk);
      bytes += chunk.length;
      await limiter.take(chunk.length, signal);
    }
  } finally {
    body.destroy();
  }
  const actualSha256 = hash.digest('hex');
  return { outcome: actualSha256 === expectedSha256 ? 'ok' : 'mismatch', expectedSha256, actualSha256, bytes };
}
