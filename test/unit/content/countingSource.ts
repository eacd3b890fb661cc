import type { RangeSource } from '../../../standards/content/RangeSource.ts';

/** Parts of a virtual file: bytes, or a run of `length` copies of `fill` (default 0) that is never materialised. */
export type Segment = Uint8Array | number | { length: number; fill: number };

/**
 * A RangeSource over segments (so a "1 GB" file costs only its real parts) that records every read, for tests that
 * check an inspection reads only what it needs.
 */
export function countingSource(segments: Segment[]): RangeSource & { reads: [number, number][]; bytesRead(): number } {
  const parts: { at: number; bytes: Uint8Array | null; fill: number; length: number }[] = [];
  let size = 0;
  for (const s of segments) {
    const run = typeof s === 'number' ? { length: s, fill: 0 } : s instanceof Uint8Array ? null : s;
    parts.push({ at: size, bytes: run ? null : (s as Uint8Array), fill: run?.fill ?? 0, length: run ? run.length : (s as Uint8Array).length });
    size += parts.at(-1)!.length;
  }
  const reads: [number, number][] = [];
  return {
    size,
    reads,
    bytesRead: () => reads.reduce((sum, [a, b]) => sum + (b - a), 0),
    async read(start, end) {
      if (!(0 <= start && start <= end && end <= size)) throw new RangeError(`rango inválido [${start}, ${end}) para ${size} bytes`);
      reads.push([start, end]);
      const out = new Uint8Array(end - start);
      for (const p of parts) {
        const from = Math.max(start, p.at);
        const to = Math.min(end, p.at + p.length);
        if (from >= to) continue;
        if (p.bytes) out.set(p.bytes.subarray(from - p.at, to - p.at), from - start);
        else out.fill(p.fill, from - start, to - start);
      }
      return out;
    },
  };
}
