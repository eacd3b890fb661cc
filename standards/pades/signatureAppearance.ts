import { PDFDocument, StandardFonts, type PDFFont } from 'pdf-lib';
import { zonedParts } from './zonedParts.ts';

export interface StampLines {
  signerName: string;
  signerPost: string;
  signingTime: Date;
  /** IANA zone the time is shown in; Chilean readers expect their own clock. */
  timeZone?: string;
}

export const STAMP_WIDTH = 220;
export const STAMP_HEIGHT = 62;
/** Resource names the appearance uses; the caller puts Helvetica and Helvetica-Bold (WinAnsi) under them. */
export const STAMP_FONTS = { regular: 'F1', bold: 'F2' } as const;

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  charset: Set<number>;
}

let fonts: Promise<Fonts> | undefined;

/** Helvetica metrics and WinAnsi encoding come from pdf-lib's standard fonts; nothing is embedded. */
function loadFonts(): Promise<Fonts> {
  fonts ??= PDFDocument.create().then((doc) => {
    const regular = doc.embedStandardFont(StandardFonts.Helvetica);
    return { regular, bold: doc.embedStandardFont(StandardFonts.HelveticaBold), charset: new Set(regular.getCharacterSet()) };
  });
  return fonts;
}

/** The content stream of a visible signature stamp: a framed box with who signed, their post and when. */
export async function buildSignatureAppearance(lines: StampLines): Promise<Buffer> {
  const f = await loadFonts();
  const rows: { text: string; font: PDFFont; name: string; size: number }[] = [
    { text: 'Firmado electrónicamente por', font: f.regular, name: STAMP_FONTS.regular, size: 7 },
    { text: lines.signerName, font: f.bold, name: STAMP_FONTS.bold, size: 9 },
    { text: lines.signerPost, font: f.regular, name: STAMP_FONTS.regular, size: 7.5 },
    { text: `Fecha: ${formatLocalTime(lines.signingTime, lines.timeZone ?? 'America/Santiago')}`, font: f.regular, name: STAMP_FONTS.regular, size: 7 },
  ];
  const padding = 6;
  const available = STAMP_WIDTH - 2 * padding;
  let y = STAMP_HEIGHT - padding;
  const text = rows.map((row) => {
    const fitted = fit(representable(row.text, f.charset), row.font, row.size, available);
    y -= fitted.size + 4;
    return `/${row.name} ${fitted.size.toFixed(2)} Tf 1 0 0 1 ${padding} ${y.toFixed(2)} Tm ${row.font.encodeText(fitted.text).toString()} Tj`;
  });
  return Buffer.from(
    [
      'q 0.96 0.97 1 rg 0.18 0.25 0.55 RG 0.8 w',
      `0.4 0.4 ${STAMP_WIDTH - 0.8} ${STAMP_HEIGHT - 0.8} re B Q`,
      'BT 0.1 0.1 0.1 rg',
      ...text,
      'ET',
    ].join('\n'),
    'latin1',
  );
}

/** "15-01-2026 10:30:00 (GMT-3)": day first, as Chilean documents write dates. */
export function formatLocalTime(date: Date, timeZone: string): string {
  const get = zonedParts(date, timeZone);
  return `${get('day')}-${get('month')}-${get('year')} ${get('hour')}:${get('minute')}:${get('second')} (${get('timeZoneName')})`;
}

/** Helvetica in WinAnsi covers Spanish; anything else becomes "?" rather than failing the signature. */
function representable(text: string, charset: Set<number>): string {
  return [...text.replace(/\s+/g, ' ').trim()].map((ch) => (charset.has(ch.codePointAt(0)!) ? ch : '?')).join('');
}

/** Shrinks long lines down to 5 pt, then cuts them with an ellipsis. */
function fit(text: string, font: PDFFont, size: number, width: number): { text: string; size: number } {
  const natural = font.widthOfTextAtSize(text, size);
  if (natural <= width) return { text, size };
  const shrunk = Math.max(5, (size * width) / natural);
  // Widths scale linearly with size; the margin absorbs rounding.
  if (font.widthOfTextAtSize(text, shrunk) <= width + 0.01) return { text, size: shrunk };
  let cut = text;
  while (cut.length > 1 && font.widthOfTextAtSize(`${cut}…`, shrunk) > width) cut = cut.slice(0, -1);
  return { text: `${cut.trimEnd()}…`, size: shrunk };
}
