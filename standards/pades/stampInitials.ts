import { PDFDict, PDFDocument, rgb, StandardFonts } from 'pdf-lib';
import { listSignatureFields } from './listSignatureFields.ts';
import { PdfSigningError } from './PdfSigningError.ts';
import { formatLocalTime } from './signatureAppearance.ts';

export interface InitialsOptions {
  /** The reviewer's initials, e.g. "JPS". */
  initials: string;
  name: string;
  /** When the draft was initialled. */
  at: Date;
  /** Position from the bottom when a draft collects several initials: 0 for the first reviewer, 1 for the next… */
  slot?: number;
  timeZone?: string;
}

const FONT_SIZE = 7;
const MARGIN = 18;

/**
 * Initials a draft (visar): a small "V°B°" line with initials, name and time at the bottom left of every page.
 * Drafts carry no signatures, so the PDF is rewritten with pdf-lib (not an incremental update); a PDF that already
 * has signatures is refused, since rewriting it would invalidate them.
 */
export async function stampInitials(pdf: Buffer, options: InitialsOptions): Promise<Buffer> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { updateMetadata: false });
  } catch (error) {
    throw new PdfSigningError(`El borrador no se puede leer (${(error as Error).message}).`);
  }
  const catalog = doc.context.lookup(doc.context.trailerInfo.Root);
  if (catalog instanceof PDFDict && listSignatureFields(doc.context, catalog).length > 0) {
    throw new PdfSigningError('El documento ya tiene firmas: visarlo reescribiría el PDF e invalidaría las firmas.');
  }
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const charset = new Set(font.getCharacterSet());
  const text = [...`V°B° ${options.initials.trim()} · ${options.name.trim()} · ${formatLocalTime(options.at, options.timeZone ?? 'America/Santiago')}`]
    .map((ch) => (charset.has(ch.codePointAt(0)!) ? ch : '?'))
    .join('');
  for (const page of doc.getPages()) {
    const { x, y } = page.getCropBox();
    page.drawText(text, {
      x: x + MARGIN,
      y: y + MARGIN + (options.slot ?? 0) * (FONT_SIZE + 3),
      size: FONT_SIZE,
      font,
      color: rgb(0.25, 0.25, 0.35),
    });
  }
  return Buffer.from(await doc.save());
}
