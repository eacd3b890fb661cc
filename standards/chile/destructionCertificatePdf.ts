import { PDFDocument, StandardFonts } from 'pdf-lib';
import { chileanDateTime, MUTED, TextFlow, winAnsiText as w } from './pdfText.ts';

export interface DestroyedItem {
  seq: number;
  kind: 'case_file' | 'document';
  label: string;
  seriesCode: string | null;
  scheduleSource: string;
  dueAt: Date;
  /** Versions destroyed, with their hashes; `kept` when the bytes stay because another live record holds them. */
  contents: Array<{ identifier: string; version: number; sha256: string; size: number; kept: boolean }>;
}

export interface DestructionCertificateInput {
  number: string;
  dispositionId: string;
  agency: { code: string; name: string };
  proposedBy: string;
  approvedBy: string;
  issuedAt: Date;
  destroyed: DestroyedItem[];
  /** Items of the run that were not destroyed, with why (transferred, held, under review). */
  notDestroyed: Array<{ seq: number; label: string; reason: string }>;
}

const KIND = { case_file: 'Expediente', document: 'Documento' } as const;

/**
 * The destruction certificate (acta de eliminación, DS 10 art. 32): every record destroyed by a disposal run with
 * the schedule that made it due and the SHA-256 of every version whose content was deleted, so the tombstones can
 * be matched against it. The agency seal is applied by the caller.
 */
export async function destructionCertificatePdf(input: DestructionCertificateInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Acta de eliminación ${input.number}`);
  doc.setAuthor(input.agency.name);
  doc.setLanguage('es-CL');
  doc.setCreationDate(input.issuedAt);
  doc.setModificationDate(input.issuedAt);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const mono = await doc.embedFont(StandardFonts.Courier);
  const flow = new TextFlow(doc, [595.28, 841.89], { top: 56, bottom: 56, left: 56, right: 56 });

  flow.paragraph(`Acta de eliminación ${input.number}`, { font: bold, size: 16 });
  flow.gap(6);
  flow.paragraph(w(`${input.agency.name} (${input.agency.code})`), { font: regular, size: 10 });
  flow.paragraph(`Emitida el ${chileanDateTime(input.issuedAt)} · ejecución de eliminación ${input.dispositionId}`, { font: regular, size: 9, color: MUTED });
  flow.paragraph(w(`Propuesta por ${input.proposedBy}; aprobada por ${input.approvedBy}.`), { font: regular, size: 9, color: MUTED });
  flow.gap(10);
  flow.paragraph(
    `Se eliminaron ${input.destroyed.length} registro(s) cuyo plazo de conservación venció según la tabla de retención indicada en cada uno. ` +
      'Se conservan sus metadatos y los hashes SHA-256 de su contenido; el contenido marcado «conservado» sigue almacenado porque otro registro vigente tiene los mismos bytes.',
    { font: regular, size: 9.5 },
  );
  flow.gap(10);

  for (const item of input.destroyed) {
    flow.ensure(60);
    flow.paragraph(w(`${item.seq}. ${KIND[item.kind]} ${item.label}`), { font: bold, size: 10 });
    flow.paragraph(w(`Serie ${item.seriesCode ?? '—'} · calendario ${item.scheduleSource} · vencido el ${chileanDateTime(item.dueAt)}`), { font: regular, size: 8.5, color: MUTED, indent: 12 });
    if (item.contents.length === 0) flow.paragraph('Sin contenido almacenado.', { font: regular, size: 8.5, indent: 12 });
    for (const c of item.contents) {
      flow.paragraph(w(`${c.identifier} v${c.version} · ${c.size} bytes${c.kept ? ' · conservado' : ''}`), { font: regular, size: 8.5, indent: 12 });
      flow.paragraph(c.sha256, { font: mono, size: 7.5, indent: 24 });
    }
    flow.gap(6);
  }

  if (input.notDestroyed.length) {
    flow.gap(6);
    flow.paragraph('Registros de la ejecución que no se eliminaron', { font: bold, size: 11 });
    for (const n of input.notDestroyed) flow.paragraph(w(`${n.seq}. ${n.label}: ${n.reason}`), { font: regular, size: 8.5 });
  }
  return doc.save({ useObjectStreams: false });
}
