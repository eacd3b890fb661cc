import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A small, valid PDF with one line of text per page (no object streams, so signing can append to it). */
export async function makePdf(pages = 1, text = 'Documento de prueba'): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    const page = pdf.addPage([595, 842]);
    page.drawText(`${text} — página ${i}`, { x: 50, y: 780, size: 12, font });
  }
  return Buffer.from(await pdf.save({ useObjectStreams: false }));
}

/** A 1×1 PNG. */
export const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
