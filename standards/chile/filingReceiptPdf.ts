import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { chileanDateTime } from './pdfText.ts';

/** What DS 10 art. 30 requires a certificado de presentación to state, plus what identifies the filed bytes. */
export interface FilingReceiptData {
  receiptNumber: string;
  issuedAt: Date;
  channel: string;
  caseFile: string | null;
  agency: { code: string; name: string };
  filer: { name: string; id: string; run: string | null };
  platform: string;
  /** What was filed, as label and value lines (a document version with its hash, a case-file act...). */
  filed: Array<[string, string]>;
}

/** Breaks long values (hashes, titles) so they stay on the page. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (let rest = text; rest.length > 0; rest = rest.slice(width)) lines.push(rest.slice(0, width));
  return lines.length ? lines : [''];
}

/**
 * The receipt as an unsigned one-page PDF; the caller seals it. Only the standard Helvetica font is used, so
 * the text is limited to WinAnsi characters: anything else in user-supplied values is replaced by '?'.
 */
export async function filingReceiptPdf(r: FilingReceiptData): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`Certificado de presentación ${r.receiptNumber}`);
  pdf.setLanguage('es-CL');
  pdf.setCreator(r.platform);
  pdf.setCreationDate(r.issuedAt);
  pdf.setModificationDate(r.issuedAt);
  const page = pdf.addPage([595.28, 841.89]);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const safe = (s: string) => s.replace(/[^\u0020-\u007e\u00a0-\u00ff]/g, '?');
  let y = 790;
  const line = (text: string, opts: { size?: number; bold?: boolean } = {}) => {
    page.drawText(safe(text), { x: 56, y, size: opts.size ?? 10, font: opts.bold ? bold : font, color: rgb(0.1, 0.1, 0.1) });
    y -= (opts.size ?? 10) + 6;
  };
  line('CERTIFICADO DE PRESENTACIÓN', { size: 16, bold: true });
  line(`N.º ${r.receiptNumber} · DS 10/2023, art. 30`, { size: 11 });
  y -= 8;
  const field = (label: string, value: string) => {
    line(label, { bold: true });
    for (const part of wrap(value, 90)) line(part);
    y -= 2;
  };
  field('Fecha y hora de presentación', chileanDateTime(r.issuedAt));
  field('Canal de origen', r.channel);
  field('Expediente', r.caseFile ?? 'No asociado a un expediente');
  field('Órgano receptor', `${r.agency.name} (código ${r.agency.code})`);
  field('Presentado por', `${r.filer.name}${r.filer.run ? `, RUN ${r.filer.run}` : ''} (id ${r.filer.id})`);
  field('Funcionario o plataforma receptora', r.platform);
  for (const [label, value] of r.filed) field(label, value);
  y -= 10;
  line('Este certificado está firmado electrónicamente por el órgano receptor.', { size: 9 });
  line('Las huellas SHA-256 permiten comprobar que lo recibido no ha cambiado.', { size: 9 });
  return pdf.save({ useObjectStreams: false });
}
