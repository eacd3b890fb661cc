import { rgb, type PDFDocument, type PDFFont, type PDFPage, type RGB } from 'pdf-lib';

/**
 * Text helpers for the PDFs legajo issues (certificates, copies, index renditions). They use only the standard
 * Helvetica and Courier fonts, so nothing is embedded and every character must exist in WinAnsi.
 */

const CHILE = 'America/Santiago';

/** Long Chilean date and time plus the UTC instant, so the reader need not know the offset in force that day. */
export const chileanDateTime = (d: Date) =>
  `${new Intl.DateTimeFormat('es-CL', { timeZone: CHILE, dateStyle: 'long', timeStyle: 'medium' }).format(d)} (hora de Chile) · ${d.toISOString()} UTC`;

/** "24-11-2026 10:05", Chilean clock, for tables where the long form does not fit. */
export function chileanShortDateTime(d: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('es-CL', { timeZone: CHILE, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.day}-${parts.month}-${parts.year} ${parts.hour}:${parts.minute}`;
}

/** WinAnsi beyond Latin-1: the typographic characters of 0x80–0x9F (quotes, dashes, €, …). */
const WIN_ANSI_EXTRA = 'ŒœŠšŸŽžƒˆ˜–—‘’‚“”„†‡•…‰‹›€™';
const NOT_WIN_ANSI = new RegExp(`[^\\u0020-\\u007e\\u00a0-\\u00ff${WIN_ANSI_EXTRA}]`, 'u');
const graphemes = new Intl.Segmenter('es', { granularity: 'grapheme' });

/**
 * User-supplied text as one drawable line: accents composed (NFC, so a decomposed "á" survives), runs of whitespace
 * (newlines, tabs, narrow spaces) turned into one space, and each character outside WinAnsi, such as an emoji with
 * its modifiers, into a single '?'.
 */
export const winAnsiText = (s: string) =>
  Array.from(graphemes.segment(s.normalize('NFC').replace(/\s+/gu, ' ')), ({ segment }) => (NOT_WIN_ANSI.test(segment) ? '?' : segment)).join('');

/** Greedy word wrap to a width in points; a word longer than a line (a URL, a hash) is broken between characters. */
export function wrapToWidth(text: string, font: PDFFont, size: number, width: number): string[] {
  const fits = (s: string) => font.widthOfTextAtSize(s, size) <= width;
  const lines: string[] = [];
  let current = '';
  for (const word of winAnsiText(text).split(' ').filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (fits(candidate)) {
      current = candidate;
      continue;
    }
    if (current) lines.push(current);
    current = word;
    while (current.length > 1 && !fits(current)) {
      let cut = 1;
      while (cut < current.length - 1 && fits(current.slice(0, cut + 1))) cut++;
      // Prefer to break a URL after a separator in the second half of the line; not after '-', which reads as hyphenation.
      const separator = Math.max(...[...'/.?&=_'].map((c) => current.lastIndexOf(c, cut - 1)));
      if (separator + 1 > cut / 2) cut = separator + 1;
      lines.push(current.slice(0, cut));
      current = current.slice(cut);
    }
  }
  lines.push(current);
  return lines;
}

export const INK = rgb(0.1, 0.1, 0.1);
export const MUTED = rgb(0.4, 0.4, 0.4);

export interface TextStyle {
  font: PDFFont;
  size: number;
  color?: RGB;
  /** Extra indent from the left margin, in points. */
  indent?: number;
}

/** Top-to-bottom text layout that starts a new page when the current one is full. */
export class TextFlow {
  page!: PDFPage;
  y = 0;

  constructor(
    private readonly doc: PDFDocument,
    private readonly pageSize: [number, number],
    readonly margin: { top: number; bottom: number; left: number; right: number },
  ) {
    this.newPage();
  }

  get width(): number {
    return this.pageSize[0] - this.margin.left - this.margin.right;
  }

  newPage(): void {
    this.page = this.doc.addPage(this.pageSize);
    this.y = this.pageSize[1] - this.margin.top;
  }

  /** Starts a new page unless `height` points still fit above the bottom margin. */
  ensure(height: number): void {
    if (this.y - height < this.margin.bottom) this.newPage();
  }

  /** A wrapped paragraph; each line moves to a new page on its own if needed. */
  paragraph(text: string, style: TextStyle): void {
    const indent = style.indent ?? 0;
    for (const line of wrapToWidth(text, style.font, style.size, this.width - indent)) {
      this.ensure(style.size * 1.35);
      this.y -= style.size;
      this.page.drawText(line, { x: this.margin.left + indent, y: this.y, size: style.size, font: style.font, color: style.color ?? INK });
      this.y -= style.size * 0.35;
    }
  }

  gap(points: number): void {
    this.y -= points;
  }
}
