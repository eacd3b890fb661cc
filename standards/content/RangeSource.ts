/**
 * Random access to stored bytes. The server implements it over the object store with HTTP-style ranges, so a
 * 1 GB upload is inspected by reading only the parts that matter, never by loading the whole file.
 */
export interface RangeSource {
  readonly size: number;
  /** Bytes [start, endExclusive), clamped by the caller to 0 ≤ start ≤ endExclusive ≤ size. */
  read(start: number, endExclusive: number): Promise<Uint8Array>;
}

/** A RangeSource over bytes already in memory (tests, small inputs). */
export function bufferRangeSource(buf: Uint8Array): RangeSource {
  return {
    size: buf.length,
    read: async (start, endExclusive) => {
      if (!(Number.isInteger(start) && Number.isInteger(endExclusive) && 0 <= start && start <= endExclusive && endExclusive <= buf.length)) {
        throw new RangeError(`rango inválido [${start}, ${endExclusive}) para ${buf.length} bytes`);
      }
      return buf.subarray(start, endExclusive);
    },
  };
}
