import { degrees, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { winAnsiText, wrapToWidth } from './pdfText.ts';

/**
 * The line every page of an authorized copy carries (DS 10: a copy with a means of verifying its authenticity),
 * shared by the copy of a document and the index rendition of a case file.
 */

const MAX_SIZE = 7;
const MIN_SIZE = 5;
const LEADING = 1.25;
/** Space above and below the footer text inside its strip. */
export const FOOTER_PADDING = 4;

export interface FooterLayout {
  size: number;
  lines: string[];
  /** Height of the strip the footer needs, padding included. */
  height: number;
}

/**
 * The footer for a line `width` points long: one line at the largest size from 7 to 5 pt that fits, else two lines
 * (code, then URL), else at 5 pt wrapped however the URL needs.
 */
export function layoutFooter(font: PDFFont, code: string, url: string, width: number): FooterLayout {
  const first = winAnsiText(`Copia autorizada · código ${code}`);
  const second = winAnsiText(`verifique en ${url}`);
  const fits = (line: string, size: number) => font.widthOfTextAtSize(line, size) <= width;
  const layout = (size: number, lines: string[]) => ({ size, lines, height: lines.length * size * LEADING + 2 * FOOTER_PADDING });
  for (let size = MAX_SIZE; size >= MIN_SIZE; size -= 0.5) {
    if (fits(`${first} · ${second}`, size)) return layout(size, [`${first} · ${second}`]);
  }
  for (let size = MAX_SIZE; size >= MIN_SIZE; size -= 0.5) {
    if (fits(first, size) && fits(second, size)) return layout(size, [first, second]);
  }
  return layout(MIN_SIZE, [...wrapToWidth(first, font, MIN_SIZE, width), ...wrapToWidth(second, font, MIN_SIZE, width)]);
}

/**
 * A page as the reader sees it: `width` × `height` with the origin at the bottom left of the displayed page, and
 * `toUser` mapping that to the page's own coordinates under its /Rotate (0, 90, 180 or 270).
 */
export interface PageFrame {
  width: number;
  height: number;
  rotation: 0 | 90 | 180 | 270;
  toUser(u: number, v: number): { x: number; y: number };
}

/** The frame of a box (x0, y0)–(x1, y1) shown rotated clockwise by `rotation`. */
export function frameOf(box: { x0: number; y0: number; x1: number; y1: number }, rotation: PageFrame['rotation']): PageFrame {
  const { x0, y0, x1, y1 } = box;
  const w = x1 - x0;
  const h = y1 - y0;
  switch (rotation) {
    case 0:
      return { width: w, height: h, rotation, toUser: (u, v) => ({ x: x0 + u, y: y0 + v }) };
    case 90:
      return { width: h, height: w, rotation, toUser: (u, v) => ({ x: x1 - v, y: y0 + u }) };
    case 180:
      return { width: w, height: h, rotation, toUser: (u, v) => ({ x: x1 - u, y: y1 - v }) };
    case 270:
      return { width: h, height: w, rotation, toUser: (u, v) => ({ x: x0 + v, y: y1 - u }) };
  }
}

/** Draws the footer's lines left-aligned at `left`, its strip starting at the displayed bottom edge of the page. */
export function drawFooter(page: PDFPage, font: PDFFont, footer: FooterLayout, frame: PageFrame, left: number): void {
  footer.lines.forEach((line, i) => {
    const baseline = footer.height - FOOTER_PADDING - (i + 1) * footer.size * LEADING + footer.size * (LEADING - 1);
    const { x, y } = frame.toUser(left, baseline);
    page.drawText(line, { x, y, size: footer.size, font, color: rgb(0.25, 0.25, 0.35), rotate: degrees(frame.rotation) });
  });
}

/** How to check a copy, in the words the certificate and the index rendition both use. */
export const howToVerify = (code: string, url: string) =>
  `Para comprobar que esta copia es auténtica, abra ${url} o ingrese el código ${code} en la página de verificación de la plataforma, y compare lo que allí se informa con esta copia.`;
