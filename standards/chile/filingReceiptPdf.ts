import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';

/** What DS 10 art. 30 requires a certificado de presentación to state, plus what identifies the filed bytes. */
export interface FilingReceiptData {
  receiptNumber: string;
  issuedAt: Date;
  channel: string;
  caseFile: string | null;
  agency: { code: string; name: string };
  filer: { name: string; id: string; run: string | null };
  platform: string;
  document: { identifier: string; title: string; version: number; sha256: string; size: number; mediaType: string };
}

const chileanDateTime = (d: Date) =>
  `${new Intl.DateTimeFormat('es-CL', { timeZone: 'America/Santiago', dateStyle: 'long', timeStyle: 'medium' }).format(d)} (hora de Chile) · ${d.toISOString()} UTC`;

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
  field('Documento', `${r.document.identifier} · versión ${r.document.version}`);
  field('Título', r.document.title);
  field('Formato y tamaño', `${r.document.mediaType}, ${r.document.size.toLocaleString('es-CL')} bytes`);
  field('Huella SHA-256 del contenido', r.document.sha256);
  y -= 10;
  line('Este certificado está firmado electrónicamente por el órgano receptor.', { size: 9 });
  line('La huella SHA-256 permite comprobar que el contenido recibido no ha cambiado.', { size: 9 });
  return pdf.save({ useObjectStreams: false });
}
