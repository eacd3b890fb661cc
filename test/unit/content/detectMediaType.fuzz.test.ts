import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectMediaType } from '../../../standards/content/detectMediaType.ts';
import { bufferRangeSource } from '../../../standards/content/RangeSource.ts';
import { storedZip } from './storedZip.ts';

/** Whatever the bytes, detection answers (accepted or refused with a message) and never throws. */
async function assertAnswers(bytes: Uint8Array): Promise<void> {
  const result = await detectMediaType(bufferRangeSource(bytes));
  if (result.ok) expect(result.extension).toMatch(/^[a-z]+$/);
  else expect(result.message.length).toBeGreaterThan(20);
}

const prefixes = ['', 'PK\x03\x04', '<?xml version="1.0"?>', '<!DOCTYPE a [', '{', '[', '\ufeff<', 'II*\x00', 'MM\x00*'];

describe('detectMediaType under fuzzing', () => {
  it('answers for arbitrary bytes after a telling prefix', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 2048 }), async (prefix, body) => {
        await assertAnswers(new Uint8Array(Buffer.concat([Buffer.from(prefix, 'utf8'), body])));
      }),
      { numRuns: 1000 },
    );
  });

  it('answers for damaged ODF and OOXML packages', async () => {
    const packages = [
      storedZip([{ name: 'mimetype', data: 'application/vnd.oasis.opendocument.text' }, { name: 'META-INF/manifest.xml', data: '<m/>' }]),
      storedZip([{ name: '[Content_Types].xml', data: '<Types/>' }, { name: 'word/document.xml', data: '<w/>' }]),
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 1 }), fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }), fc.nat(), async (which, edits, cut) => {
        const bytes = Uint8Array.from(packages[which]!);
        for (const { at, byte } of edits) bytes[at % bytes.length] = byte;
        await assertAnswers(bytes.subarray(0, Math.max(1, cut % (bytes.length + 1))));
      }),
      { numRuns: 1000 },
    );
  });
});
