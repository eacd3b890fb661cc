import type { ByteRange } from '../../storage/ObjectStore.ts';

export type RangeRequest = { kind: 'none' } | { kind: 'range'; range: Required<ByteRange> } | { kind: 'unsatisfiable' };

/**
 * Parses a single `Range: bytes=…` header against a known size (RFC 9110 §14). Several ranges, or another unit,
 * are answered with the whole content, which the RFC allows; a range that starts past the end is unsatisfiable.
 */
export function parseByteRange(header: string | undefined, size: number): RangeRequest {
  if (!header) return { kind: 'none' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'range', range: { start, end } };
}

/** `attachment` with the original name as RFC 6266/8187 `filename*`, and a plain ASCII fallback. */
export function contentDisposition(fileName: string | null, fallback: string): string {
  const name = (fileName ?? fallback).replace(/[\u0000-\u001f\u007f"\\/]/g, '_');
  const ascii = name.replace(/[^\u0020-\u007e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
