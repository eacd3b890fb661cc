import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A page of printed text as the project's own OCR fixture: the lines drawn in a serif font on white, as a PNG that
 * declares its resolution. At 300 dpi a 12-point line is 50 px high, the size of an office scan.
 */
export async function renderTextPage(lines: string[], opts: { dpi?: number; pointSize?: number } = {}): Promise<Buffer> {
  const dpi = opts.dpi ?? 300;
  const fontPx = Math.round(((opts.pointSize ?? 12) * dpi) / 72);
  const lineHeight = Math.round(fontPx * 1.5);
  const margin = Math.round(dpi / 2);
  const width = Math.round(8.5 * dpi);
  const height = margin * 2 + lineHeight * lines.length;
  const text = lines
    .map((line, index) => `<text x="${margin}" y="${margin + lineHeight * (index + 1) - (lineHeight - fontPx)}">${escapeXml(line)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`
    + `<rect width="100%" height="100%" fill="#ffffff"/>`
    + `<g font-family="DejaVu Serif" font-size="${fontPx}" fill="#000000">${text}</g></svg>`;
  return sharp(Buffer.from(svg)).png().withMetadata({ density: dpi }).toBuffer();
}

/** Several rendered pages as one multi-page TIFF, as a document scanner produces. */
export async function multiPageTiff(pages: Buffer[]): Promise<Buffer> {
  return sharp(pages, { join: { animated: true } }).tiff().toBuffer();
}

/**
 * A PNG whose header declares `width` × `height` pixels but carries a single row of data: the shape of an image
 * bomb, a few bytes that would decode to gigabytes.
 */
export function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(1 + width, 0xff))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
