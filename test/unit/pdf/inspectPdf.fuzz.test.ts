import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bufferRangeSource } from '../../../standards/content/RangeSource.ts';
import { inspectPdf } from '../../../standards/pdf/inspectPdf.ts';
import { PdfRejectedError } from '../../../standards/pdf/PdfRejectedError.ts';
import { handmadePdf, objectStream, pdfBytes } from './handmadePdf.ts';
import { pdfaClaimPdf, pdfWithPages, signedPdf } from './samplePdfs.ts';

/** Far above any real inspection (milliseconds); only a hang or a runaway loop can reach it. */
const HANG_MS = 10_000;
const LIMITS = { maxPages: 50 };

/** The contract under fuzzing: resolve with a sane inspection or reject with PdfRejectedError, never hang, never anything else. */
async function assertContract(bytes: Uint8Array): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`inspectPdf no terminó en ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    const result = await Promise.race([inspectPdf(bufferRangeSource(bytes), LIMITS), hang]);
    expect(Number.isInteger(result.pageCount) && result.pageCount >= 1 && result.pageCount <= LIMITS.maxPages).toBe(true);
    expect(result.signatureCount).toBeGreaterThanOrEqual(0);
  } catch (e) {
    if (!(e instanceof PdfRejectedError)) throw e;
    expect(e.message.length).toBeGreaterThan(20);
  } finally {
    clearTimeout(timer);
  }
}

/** Bytes that steer a mutation into structure: digits (offsets, counts), delimiters, keywords' letters. */
const STRUCTURAL = [...'0123456789 \n\r<>[]()/%Rnfobjtrailerxref'].map((c) => c.charCodeAt(0));

let bases: Uint8Array[] = [];

beforeAll(async () => {
  const stream = objectStream([{ num: 1, body: '<</Type /Catalog /Pages 2 0 R>>' }]);
  bases = [
    await pdfWithPages(3),
    await pdfWithPages(3, true),
    await signedPdf(1),
    await pdfaClaimPdf({ part: '2', conformance: 'B', compressed: true }),
    pdfBytes(handmadePdf([{ inObjectStream: 4, index: 0 }, '<</Type /Pages /Kids [3 0 R] /Count 1>>', '<</Type /Page /Parent 2 0 R>>', stream], '/Root 1 0 R')),
  ];
});

describe('inspectPdf under fuzzing', () => {
  it('every mutation of a valid PDF resolves or is refused with PdfRejectedError', async () => {
    const edit = fc.record({
      // Half the edits land in the last 2 KiB, where the cross-reference and trailer live.
      at: fc.oneof(fc.nat(), fc.integer({ min: -2048, max: -1 })),
      byte: fc.oneof(fc.constantFrom(...STRUCTURAL), fc.integer({ min: 0, max: 255 })),
    });
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 4 }), fc.array(edit, { minLength: 1, maxLength: 12 }), async (which, edits) => {
        const bytes = Uint8Array.from(bases[which]!);
        for (const { at, byte } of edits) bytes[(((at % bytes.length) + bytes.length) % bytes.length)] = byte;
        await assertContract(bytes);
      }),
      { numRuns: 1500 },
    );
  });

  it('every truncation of a valid PDF resolves or is refused with PdfRejectedError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 4 }), fc.nat(), async (which, cut) => {
        const base = bases[which]!;
        await assertContract(base.subarray(0, cut % (base.length + 1)));
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes after %PDF-1. are refused with PdfRejectedError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), async (body, withEnd) => {
        const end = withEnd ? Buffer.from(`\nstartxref\n${body.length >> 1}\n%%EOF\n`) : Buffer.alloc(0);
        await assertContract(new Uint8Array(Buffer.concat([Buffer.from('%PDF-1.'), body, end])));
      }),
      { numRuns: 500 },
    );
  });

  it('objects made of random PDF tokens, behind a valid cross-reference, are handled', async () => {
    const token = fc.oneof(
      fc.constantFrom('<<', '>>', '[', ']', '(', ')', '<', '>', '<4142>', '(a\\)b)', 'R', 'null', 'true', '-1', '2.5'),
      fc.constantFrom('/Type', '/Catalog', '/Pages', '/Page', '/Kids', '/Count', '/Parent', '/Version', '/Metadata', '/Subtype', '/XML'),
      fc.constantFrom('/AcroForm', '/Fields', '/FT', '/Sig', '/V', '/ByteRange', '/Length', '/Filter', '/FlateDecode', '/ObjStm', '/N', '/First'),
      fc.constantFrom('1 0 R', '2 0 R', '3 0 R', '4 0 R', '5 0 R', '6 0 R', '99 0 R'),
      fc.integer({ min: 0, max: 12 }).map(String),
    );
    const body = fc.array(token, { maxLength: 40 }).map((t) => t.join(' '));
    const object = fc.oneof(
      body,
      // A plausible skeleton with random holes, so the walk reaches page trees and forms.
      fc.tuple(body, body).map(([a, b]) => `<</Type /Catalog /Pages 2 0 R ${a}>> ${b}`),
      fc.tuple(body, fc.nat({ max: 6 })).map(([a, n]) => `<</Type /Pages /Kids [3 0 R ${a}] /Count ${n}>>`),
      fc.tuple(body, fc.uint8Array({ maxLength: 64 })).map(([dict, data]) => ({ dict, data })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(object, { minLength: 1, maxLength: 7 }), async (objects) => {
        await assertContract(pdfBytes(handmadePdf(objects, '/Root 1 0 R')));
      }),
      { numRuns: 1500 },
    );
  });
});
