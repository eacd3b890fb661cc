import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRun, runCheckDigit } from '../../standards/chile/run.ts';

describe('RUN/RUT', () => {
  it.each([
    ['12.345.678-5', '12345678-5'],
    ['123456785', '12345678-5'],
    ['7.654.321-6', '7654321-6'],
    ['11.111.111-1', '11111111-1'],
    ['76.086.428-5', '76086428-5'],
    ['10.000.013-k', '10000013-K'],
  ])('accepts %s', (input, normalized) => {
    expect(parseRun(input)).toEqual({ ok: true, normalized });
  });

  it.each(['12.345.678-9', 'abc', '', '1-', '12345678-X', '1234567890-1'])('rejects %s', (input) => {
    expect(parseRun(input).ok).toBe(false);
  });

  it('every body has exactly one valid check digit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999_999 }), (n) => {
        const body = String(n);
        const valid = [...'0123456789K'].filter((dv) => parseRun(`${body}-${dv}`).ok);
        expect(valid).toEqual([runCheckDigit(body)]);
      }),
    );
  });
});
