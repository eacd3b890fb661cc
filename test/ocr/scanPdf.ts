import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { handmadePdf, pdfBytes, type HandObject } from '../unit/pdf/handmadePdf.ts';

/** One page of a scanner's PDF: the image XObject's dictionary entries and data; null draws text instead (born-digital). */
export interface ScanPdfPage {
  image: { dict: string; data: Uint8Array } | null;
  /** Page size in points; the image fills it. */
  size: [number, number];
  rotate?: number;
}

/** A PDF of page images written byte by byte, for the encodings pdf-lib does not produce (1-bit, predictors, CCITT). */
export function scanPdf(pages: ScanPdfPage[]): Buffer {
  const kids = pages.map((_, i) => `${3 + 3 * i} 0 R`).join(' ');
  const objects: HandObject[] = ['<</Type /Catalog /Pages 2 0 R>>', `<</Type /Pages /Kids [${kids}] /Count ${pages.length}>>`];
  pages.forEach(({ image, size: [w, h], rotate }, i) => {
    // Page i is object 3 + 3i, followed by its content stream and its image.
    const [content, xobject] = [4 + 3 * i, 5 + 3 * i];
    const resources = image ? `/XObject <</Im0 ${xobject} 0 R>>` : '/Font <</F1 <</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>>>';
    objects.push(`<</Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources <<${resources}>> /Contents ${content} 0 R${rotate ? ` /Rotate ${rotate}` : ''}>>`);
    const draw = image ? `q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q` : 'BT /F1 12 Tf 72 720 Td (Resolucion exenta) Tj ET';
    objects.push({ dict: '', data: new Uint8Array(Buffer.from(draw, 'latin1')) });
    objects.push(image ? { dict: `/Type /XObject /Subtype /Image ${image.dict}`, data: image.data } : 'null');
  });
  return Buffer.from(pdfBytes(handmadePdf(objects, '/Root 1 0 R')));
}

/** A rendered page's grey samples, as a scanner would write them. */
export async function greySamples(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).flatten({ background: '#ffffff' }).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Grey samples thresholded to 1 bit per pixel, rows padded to whole bytes; 1 is white, as DeviceGray reads it. */
export function packBits(grey: { data: Buffer; width: number; height: number }, invert = false): Uint8Array {
  const rowBytes = Math.ceil(grey.width / 8);
  const out = new Uint8Array(rowBytes * grey.height);
  for (let y = 0; y < grey.height; y++) {
    for (let x = 0; x < grey.width; x++) {
      const white = grey.data[y * grey.width + x]! >= 128;
      if (white !== invert) out[y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return out;
}

/** Rows prefixed with PNG filter type 2 (Up), then deflated: FlateDecode with /Predictor 12. */
export function upPredicted(samples: Uint8Array, rowBytes: number): Buffer {
  const rows = samples.length / rowBytes;
  const out = Buffer.alloc(rows * (rowBytes + 1));
  for (let r = 0; r < rows; r++) {
    out[r * (rowBytes + 1)] = 2;
    for (let i = 0; i < rowBytes; i++) out[r * (rowBytes + 1) + 1 + i] = (samples[r * rowBytes + i]! - (r > 0 ? samples[(r - 1) * rowBytes + i]! : 0)) & 0xff;
  }
  return deflateSync(out);
}
