import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { acknowledgementReceiptPdf, type AcknowledgementReceiptData } from '../../../standards/chile/acknowledgementReceiptPdf.ts';
import { signPdf } from '../../../standards/pades/signPdf.ts';
import { validatePdfSignatures } from '../../../standards/pades/validatePdfSignatures.ts';
import { pdftotext } from '../../helpers/pdftotext.ts';
import { itWithReferee } from '../../helpers/referee.ts';
import { devSigners } from '../../signing/devSigners.ts';
import { expectAcceptedByPdfsig, nssDatabaseTrusting, runPdfsig } from '../../signing/pdfsig.ts';

const AT = new Date('2026-11-24T13:05:00Z');
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const receipt = (overrides: Partial<AcknowledgementReceiptData> = {}): AcknowledgementReceiptData => ({
  receiptNumber: 'AR-2026-000042',
  issuedAt: AT,
  communication: {
    identifier: 'COM-2026-000123',
    registryNumber: '30-2026-000017',
    subject: 'Solicita información sobre la ejecución presupuestaria 2025',
    type: 'Oficio',
    sender: { code: 'AB01', name: 'Subsecretaría de Pruebas' },
  },
  recipient: { code: 'CD02', name: 'Servicio de Ensayo' },
  acknowledgedBy: { name: 'Pedro Núñez Araya', run: '12345678-5', post: 'Encargado de Oficina de Partes' },
  received: [
    { label: 'Oficio ordinario N.º 17.pdf', sha256: sha('oficio'), size: 183_204 },
    { label: 'Anexo 1 — planilla de gastos.pdf', sha256: sha('anexo'), size: 1_048_576 },
  ],
  platform: 'legajo · Servicio de Ensayo',
  ...overrides,
});

/** pdftotext breaks lines where the layout does; compare words only. */
const words = (text: string) => text.replace(/\s+/g, ' ');

describe('acknowledgementReceiptPdf', () => {
  itWithReferee('pdftotext', 'dice quién acusó recibo, cuándo (hora de Chile y UTC), de qué comunicación y la huella de cada archivo', async () => {
    const data = receipt();
    const text = words(pdftotext(await acknowledgementReceiptPdf(data)));
    for (const expected of [
      'ACUSE DE RECIBO',
      'N.º AR-2026-000042',
      'Fecha y hora del acuse',
      '24 de noviembre de 2026',
      '10:05:00',
      '(hora de Chile) · 2026-11-24T13:05:00.000Z UTC',
      'Comunicación COM-2026-000123',
      'Tipo Oficio',
      'Número de registro del remitente 30-2026-000017',
      'Materia Solicita información sobre la ejecución presupuestaria 2025',
      'Órgano remitente Subsecretaría de Pruebas (código AB01)',
      'Órgano destinatario Servicio de Ensayo (código CD02)',
      'Acusado por Pedro Núñez Araya, RUN 12345678-5, Encargado de Oficina de Partes',
      'Plataforma legajo · Servicio de Ensayo',
      'Archivos recibidos (2)',
      '1. Oficio ordinario N.º 17.pdf',
      `SHA-256: ${data.received[0]!.sha256}`,
      'Tamaño: 183.204 bytes',
      '2. Anexo 1 — planilla de gastos.pdf',
      `SHA-256: ${data.received[1]!.sha256}`,
      'Tamaño: 1.048.576 bytes',
      'página 1 de 1',
    ]) {
      expect(text).toContain(expected);
    }
    const doc = await PDFDocument.load(await acknowledgementReceiptPdf(data));
    expect(doc.getPageCount()).toBe(1);
    expect(doc.getTitle()).toBe('Acuse de recibo AR-2026-000042');
  });

  itWithReferee('pdftotext', 'sin número de registro, RUN ni cargo lo dice, y un texto fuera de WinAnsi no impide emitirlo', async () => {
    const text = words(
      pdftotext(
        await acknowledgementReceiptPdf(
          receipt({
            communication: { ...receipt().communication, registryNumber: null, subject: 'Reunión 📅 con 北京' },
            acknowledgedBy: { name: 'Pedro Núñez Araya', run: null, post: null },
            received: [],
          }),
        ),
      ),
    );
    expect(text).toContain('Número de registro del remitente Sin número de registro');
    expect(text).toContain('Acusado por Pedro Núñez Araya Plataforma');
    expect(text).toContain('Materia Reunión ? con ??');
    expect(text).toContain('Archivos recibidos (0) La comunicación no incluía archivos.');
  });

  itWithReferee('pdftotext', 'muchos anexos siguen en páginas numeradas, sin separar el nombre de su huella', async () => {
    const received = Array.from({ length: 60 }, (_, i) => ({ label: `Anexo ${i + 1}.pdf`, sha256: sha(`anexo ${i + 1}`), size: 1000 + i }));
    const pdf = await acknowledgementReceiptPdf(receipt({ received }));
    const pages = (await PDFDocument.load(pdf)).getPageCount();
    expect(pages).toBeGreaterThan(2);

    const pageTexts = Array.from({ length: pages }, (_, i) => words(pdftotext(pdf, i + 1)));
    pageTexts.forEach((text, i) => expect(text).toContain(`Acuse de recibo N.º AR-2026-000042 · página ${i + 1} de ${pages}`));
    received.forEach((file, i) => {
      const page = pageTexts.findIndex((text) => text.includes(`${i + 1}. ${file.label} SHA-256: ${file.sha256}`));
      expect(page, file.label).toBeGreaterThanOrEqual(0);
      expect(pageTexts[page]).toContain(`${file.sha256} Tamaño: ${(1000 + i).toLocaleString('es-CL')} bytes`);
    });
    expect(pageTexts.at(-1)).toContain('Las huellas SHA-256 permiten comprobar que los archivos recibidos no han cambiado.');
  });

  itWithReferee('pdfsig', 'sellado con signPdf, pdfsig y el validador lo dan por válido', async () => {
    const { dev, seal } = await devSigners();
    const nssDir = nssDatabaseTrusting([dev.rootCertificatePem]);
    const unsigned = Buffer.from(await acknowledgementReceiptPdf(receipt()));
    const { pdf } = await signPdf(unsigned, seal, {
      reason: 'Acuse de recibo AR-2026-000042',
      signerName: 'Servicio de Ensayo',
      signerPost: 'Sello electrónico de la plataforma',
      signingTime: new Date(),
    });

    const [signature, ...rest] = runPdfsig(pdf, nssDir);
    expect(rest).toHaveLength(0);
    expectAcceptedByPdfsig(signature, nssDir);
    expect(signature!.totalDocumentSigned).toBe(true);
    const report = await validatePdfSignatures(pdf, { trustAnchors: [dev.rootCertificatePem] });
    expect(report.signatures.map((s) => [s.valid, s.problems])).toEqual([[true, []]]);
  });

  it('emitido dos veces con los mismos datos, el contenido es el mismo', async () => {
    const [a, b] = await Promise.all([acknowledgementReceiptPdf(receipt()), acknowledgementReceiptPdf(receipt())]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
