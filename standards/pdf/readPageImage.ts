import type { RangeSource } from '../content/RangeSource.ts';
import { decodeStream } from './decodeStream.ts';
import type { PdfPageImage } from './listPageImages.ts';
import { PdfName, type PdfDict } from './PdfObject.ts';
import { corruptPdf } from './PdfRejectedError.ts';

/** A page image ready for an image library: JPEG bytes as stored, or 8-bit samples, one byte per channel. */
export type PageImageData = { kind: 'jpeg'; bytes: Uint8Array } | { kind: 'raw'; pixels: Uint8Array; width: number; height: number; channels: 1 | 3 };

/**
 * Reads one page image listed by listPageImages: the JPEG as it is, or the Flate (or unfiltered) samples inflated
 * to exactly the declared size (predictors undone) and widened to 8 bits, /Decode inversion applied. Inflation is
 * capped at what the declared size needs, so a deflate bomb stops there.
 */
export async function readPageImage(src: RangeSource, image: PdfPageImage): Promise<PageImageData> {
  const encoded = await src.read(image.start, Math.min(src.size, image.start + image.length));
  if (encoded.length !== image.length) throw corruptPdf(`la imagen de la página ${image.page} termina antes de lo que declara su /Length`);
  if (image.encoding === 'jpeg') return { kind: 'jpeg', bytes: encoded };

  const channels = image.channels as 1 | 3;
  const rowBytes = Math.ceil((image.width * channels * image.bitsPerComponent) / 8);
  const needed = rowBytes * image.height;
  const dict: PdfDict = new Map();
  if (image.encoding === 'flate') dict.set('Filter', new PdfName('FlateDecode'));
  if (image.decodeParms) dict.set('DecodeParms', image.decodeParms);
  // A PNG predictor adds one byte per row before it is undone.
  const samples = decodeStream(encoded, dict, needed + image.height + 1024, `la imagen de la página ${image.page}`);
  if (samples.length < needed) throw corruptPdf(`la imagen de la página ${image.page} tiene menos datos (${samples.length} bytes) que sus ${image.width}×${image.height} píxeles`);

  const flip = image.inverted ? 0xff : 0;
  let pixels: Uint8Array;
  if (image.bitsPerComponent === 8) {
    pixels = samples.length === needed ? samples : samples.slice(0, needed);
    if (flip) for (let i = 0; i < needed; i++) pixels[i] = pixels[i]! ^ flip;
  } else {
    pixels = new Uint8Array(image.width * image.height * channels);
    const perRow = image.width * channels;
    for (let row = 0; row < image.height; row++) {
      for (let i = 0; i < perRow; i++) {
        const bit = (samples[row * rowBytes + (i >> 3)]! >> (7 - (i & 7))) & 1;
        pixels[row * perRow + i] = (bit ? 0xff : 0) ^ flip;
      }
    }
  }
  return { kind: 'raw', pixels, width: image.width, height: image.height, channels };
}
