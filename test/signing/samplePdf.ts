import { PDFDocument, StandardFonts } from 'pdf-lib';

/**
 * A small PDF made with pdf-lib. `objectStreams` picks how its cross-reference is written: a stream (pdf-lib's
 * default, and what most current tools write) or a classic table.
 */
export async function samplePdf(options: { pages?: number; objectStreams?: boolean; text?: string } = {}): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle('Resolución de prueba');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= (options.pages ?? 2); i++) {
    doc.addPage([595, 842]).drawText(`${options.text ?? 'Resolución exenta de prueba'}, página ${i}`, { x: 56, y: 780, size: 12, font });
  }
  return Buffer.from(await doc.save({ useObjectStreams: options.objectStreams ?? true }));
}
