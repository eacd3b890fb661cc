import type { RangeSource } from '../../../standards/content/RangeSource.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';

/** Lets the pure inspectors read a stored object by ranges, so a 1 GB upload is never loaded whole. */
export function storeRangeSource(store: ObjectStore, key: string, size: number): RangeSource {
  return {
    size,
    async read(start, endExclusive) {
      if (endExclusive <= start) return new Uint8Array(0);
      const chunks: Buffer[] = [];
      for await (const chunk of await store.get(key, { start, end: endExclusive - 1 })) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}

export async function readWhole(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
