import { InvalidRangeError } from './errors.ts';
import type { ByteRange } from './ObjectStore.ts';

/**
 * Turns an HTTP-style inclusive range into absolute offsets for an object of `size` bytes. As with HTTP, an end past
 * the last byte is clamped; a start at or past the end (so any range of an empty object) is unsatisfiable. Both
 * adapters use it so they agree on every edge case, whatever their backend would do on its own.
 */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  const { start, end } = range;
  const valid =
    Number.isSafeInteger(start) &&
    start >= 0 &&
    start < size &&
    (end === undefined || (Number.isSafeInteger(end) && end >= start));
  if (!valid) throw new InvalidRangeError(range, size);
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}
