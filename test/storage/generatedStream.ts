import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;
const BLOCK = 1024 * 1024;

export interface GeneratedStreamOptions {
  /** Different seeds give different bytes (so puts do not deduplicate). */
  seed?: number;
  /** Called with the running total each time a chunk is produced. */
  onProduced?: (total: number) => void;
  /** Fail the stream with this error instead of ending it once `size` bytes were produced. */
  failWith?: Error;
}

/**
 * A stream of `size` (may be Infinity) pseudo-random bytes made on the fly, so tests and benchmarks can push
 * gigabytes without a file or a large buffer. Deterministic per seed: `generatedSha256` gives the digest.
 */
export function generatedStream(size: number, { seed = 0, onProduced, failWith }: GeneratedStreamOptions = {}): Readable {
  const chunks = generatedChunks(size, seed);
  let total = 0;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      const next = chunks.next();
      if (next.done) {
        if (failWith) this.destroy(failWith);
        else this.push(null);
        return;
      }
      total += next.value.length;
      onProduced?.(total);
      this.push(next.value);
    },
  });
}

export function generatedSha256(size: number, seed = 0): string {
  const hash = createHash('sha256');
  for (const chunk of generatedChunks(size, seed)) hash.update(chunk);
  return hash.digest('hex');
}

export async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

export async function sha256Of(stream: AsyncIterable<Buffer>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

function* generatedChunks(size: number, seed: number): Generator<Buffer> {
  const block = seededBlock(seed);
  for (let offset = 0, index = 0; offset < size; offset += CHUNK, index++) {
    const length = Math.min(CHUNK, size - offset);
    // A fresh buffer per chunk (consumers may keep it); the index makes every chunk of a stream distinct.
    const chunk = Buffer.allocUnsafe(length);
    block.copy(chunk, 0, (index * CHUNK) % BLOCK, ((index * CHUNK) % BLOCK) + length);
    if (length >= 4) chunk.writeUInt32LE(index >>> 0, 0);
    yield chunk;
  }
}

function seededBlock(seed: number): Buffer {
  // xorshift32: cheap, deterministic, and good enough that the bytes do not compress or repeat within a block.
  const block = Buffer.allocUnsafe(BLOCK);
  let x = (seed * 2654435761 + 1) >>> 0 || 1;
  for (let i = 0; i < BLOCK; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  return block;
}
