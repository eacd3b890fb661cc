import { PDFDocument, StandardFonts } from 'pdf-lib';
import { chileanDateTime, MUTED, TextFlow, winAnsiText, type TextStyle } from './pdfText.ts';

/** What an acknowledgement of receipt (acuse de recibo) of a communication between agencies states. */
export interface AcknowledgementReceiptData {
  receiptNumber: string;
  issuedAt: Date;
  communication: {
    identifier: string;
    /** The sending records office's number; null if the communication was sent without one. */
    registryNumber: string | null;
    subject: string;
    type: string;
    sender: { code: string; name: string };
  };
  recipient: { code: string; name: string };
  acknowledgedBy: { name: string; run: string | null; post: string | null };
  /** Every file received (the communication and its annexes), with its SHA-256 in hex and its size in bytes. */
  received: Array<{ label: string; sha256: string; size: number }>;
  platform: string;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = { top: 60, bottom: 56, left: 56, right: 56 };
const FOOTER_SIZE = 7.5;
const bytes = new Intl.NumberFormat('es-CL');

/**
 * The acknowledgement receipt as an unsigned PDF that the caller seals: who acknowledged, when (Chilean clock and
 * UTC), which communication, and the SHA-256 of each file received, so either agency can later show exactly what
 * was received. Many annexes continue on further pages, each numbered. Standard fonts only: text outside WinAnsi
 * is shown as '?'.
 */
export async function acknowledgementReceiptPdf(data: AcknowledgementReceiptData): Promise<Uint8Array> {
  const { communication: c, acknowledgedBy: who } = data;
  const doc = await PDFDocument.create();
  doc.setTitle(`Acuse de recibo ${data.receiptNumber}`);
  doc.setSubject(`Acuse de recibo de la comunicación ${c.identifier}`);
  doc.setAuthor(data.recipient.name);
  doc.setCreator(data.platform);
  doc.setLanguage('es-CL');
  doc.setCreationDate(data.issuedAt);
  doc.setModificationDate(data.issuedAt);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const mono = await doc.embedFont(StandardFonts.Courier);

  const flow = new TextFlow(doc, A4, MARGIN);
  const text: TextStyle = { font: regular, size: 10 };
  const field = (label: string, value: string) => {
    flow.ensure(34);
    flow.paragraph(label, { font: bold, size: 10 });
    flow.paragraph(value, text);
    flow.gap(6);
  };

  flow.paragraph('ACUSE DE RECIBO', { font: bold, size: 16 });
  flow.paragraph(`N.º ${data.receiptNumber}`, { font: regular, size: 11 });
  flow.gap(12);
  flow.paragraph(
    `${data.recipient.name} acusa recibo de la comunicación que se individualiza y de los archivos que se indican, ` +
      'identificados por su huella SHA-256.',
    text,
  );
  flow.gap(10);
  field('Fecha y hora del acuse', chileanDateTime(data.issuedAt));
  field('Comunicación', c.identifier);
  field('Tipo', c.type);
  field('Número de registro del remitente', c.registryNumber ?? 'Sin número de registro');
  field('Materia', c.subject);
  field('Órgano remitente', `${c.sender.name} (código ${c.sender.code})`);
  field('Órgano destinatario', `${data.recipient.name} (código ${data.recipient.code})`);
  field('Acusado por', [who.name, ...(who.run ? [`RUN ${who.run}`] : []), ...(who.post ? [who.post] : [])].join(', '));
  field('Plataforma', data.platform);

  flow.gap(6);
  flow.ensure(40);
  flow.paragraph(`Archivos recibidos (${data.received.length})`, { font: bold, size: 12 });
  flow.gap(4);
  if (data.received.length === 0) flow.paragraph('La comunicación no incluía archivos.', text);
  data.received.forEach((file, i) => {
    // A file's name, hash and size stay on one page.
    flow.ensure(46);
    flow.paragraph(`${i + 1}. ${file.label}`, { font: bold, size: 9.5 });
    flow.paragraph(`SHA-256: ${file.sha256}`, { font: mono, size: 8, indent: 14 });
    flow.paragraph(`Tamaño: ${bytes.format(file.size)} bytes`, { font: regular, size: 9, indent: 14 });
    flow.gap(5);
  });

  flow.gap(10);
  flow.ensure(40);
  flow.paragraph('Este acuse está firmado electrónicamente con el sello de la plataforma del órgano destinatario.', { font: regular, size: 9 });
  flow.paragraph('Las huellas SHA-256 permiten comprobar que los archivos recibidos no han cambiado.', { font: regular, size: 9 });

  const pages = doc.getPages();
  const footer = (n: number) => winAnsiText(`Acuse de recibo N.º ${data.receiptNumber} · página ${n} de ${pages.length}`);
  pages.forEach((page, i) => {
    const line = footer(i + 1);
    const x = A4[0] - MARGIN.right - regular.widthOfTextAtSize(line, FOOTER_SIZE);
    page.drawText(line, { x, y: MARGIN.bottom / 2, size: FOOTER_SIZE, font: regular, color: MUTED });
  });
  return doc.save({ useObjectStreams: false });
}
