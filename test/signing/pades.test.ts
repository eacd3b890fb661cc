import { spawnSync } from 'node:child_process';
import { PDFDict, PDFDocument, PDFName, PDFNumber, PDFRef, PDFString } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendIncrementalUpdate, readXrefTail } from '../../standards/pades/appendIncrementalUpdate.ts';
import { PdfSigningError } from '../../standards/pades/PdfSigningError.ts';
import { signPdf, type SignPdfOptions } from '../../standards/pades/signPdf.ts';
import { stampInitials } from '../../standards/pades/stampInitials.ts';
import { validatePdfSignatures, type PdfSignaturesReport } from '../../standards/pades/validatePdfSignatures.ts';
import type { LocalSealSigner } from '../../server/features/signing/LocalSealSigner.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { devPki } from './devSigners.ts';
import { expectAcceptedByPdfsig, runPdfsig, type PdfsigSignature } from './pdfsig.ts';
import { samplePdf } from './samplePdf.ts';

const installed = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
const canCheckTrust = installed('certutil') && installed('pdfsig');
const SIGNING_TIME = new Date();

let seal: LocalSealSigner;
let person: LocalSealSigner;
let anchors: string[];
let nssDir: string | null;

beforeAll(async () => {
  ({ seal, person, anchors, nssDir } = await devPki());
});

const sealOptions: SignPdfOptions = {
  reason: 'Sello de la institución',
  signerName: 'Subsecretaría de Pruebas',
  signerPost: 'Oficina de Partes',
  location: 'Santiago',
  signingTime: SIGNING_TIME,
};
const personOptions: SignPdfOptions = {
  reason: 'Aprobación',
  signerName: 'Juana Pérez Soto',
  signerPost: 'Jefa de Oficina de Partes',
  signingTime: SIGNING_TIME,
  visibleStamp: true,
};

/** The validator and pdfsig must agree on what is signed, by whom, whether it verifies and what it covers. */
function expectSameVerdicts(report: PdfSignaturesReport, pdfsig: PdfsigSignature[]): void {
  expect(report.signatures.map((s) => s.fieldName)).toEqual(pdfsig.map((s) => s.fieldName));
  report.signatures.forEach((ours, i) => {
    const theirs = pdfsig[i]!;
    expect(ours.signer?.commonName).toBe(theirs.commonName);
    expect(ours.subFilter).toBe(theirs.subFilter);
    expect(ours.digestMatches && ours.signatureVerified).toBe(theirs.signatureValidation === 'Signature is Valid.');
    expect(ours.coversWholeFile).toBe(theirs.totalDocumentSigned);
  });
}

/** Flips the lowest bit of the byte right after `marker`. */
function flipByteAfter(pdf: Buffer, marker: string): Buffer {
  const at = pdf.indexOf(marker) + marker.length;
  expect(at).toBeGreaterThan(marker.length);
  const copy = Buffer.from(pdf);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe('PAdES con el sello local', () => {
  for (const objectStreams of [true, false]) {
    itWithReferee('pdfsig', `firma válida en pdfsig (referencias cruzadas ${objectStreams ? 'en flujo' : 'en tabla'})`, async () => {
      const original = await samplePdf({ objectStreams });
      const { pdf, fieldName } = await signPdf(original, seal, sealOptions);

      expect(pdf.subarray(0, original.length).equals(original)).toBe(true);
      const [signature, ...rest] = runPdfsig(pdf, nssDir);
      expect(rest).toHaveLength(0);
      expectAcceptedByPdfsig(signature, nssDir);
      expect(signature).toMatchObject({ fieldName, subFilter: 'ETSI.CAdES.detached', totalDocumentSigned: true });

      const report = await validatePdfSignatures(pdf, { trustAnchors: anchors });
      expect(report.problems).toEqual([]);
      expect(report.signatures[0]).toMatchObject({ valid: true, problems: [], coversWholeFile: true, signingTimeSource: 'pdf' });
      expectSameVerdicts(report, runPdfsig(pdf, nssDir));
    });
  }

  itWithReferee('pdfsig', 'una segunda firma (actualización incremental) deja ambas válidas', async () => {
    const first = await signPdf(await samplePdf(), seal, sealOptions);
    const second = await signPdf(first.pdf, person, personOptions);

    expect(second.pdf.subarray(0, first.pdf.length).equals(first.pdf)).toBe(true);
    expect(second.fieldName).not.toBe(first.fieldName);
    const pdfsig = runPdfsig(second.pdf, nssDir);
    expect(pdfsig).toHaveLength(2);
    pdfsig.forEach((s) => expectAcceptedByPdfsig(s, nssDir));
    expect(pdfsig.map((s) => s.totalDocumentSigned)).toEqual([false, true]);

    const report = await validatePdfSignatures(second.pdf, { trustAnchors: anchors });
    expect(report.signatures.map((s) => s.valid)).toEqual([true, true]);
    expect(report.signatures[0]!.laterChanges).toMatchObject({ kind: 'signatures', revisions: 1 });
    expect(report.signatures[0]!.laterChanges?.description).toContain('solo agrega otra firma');
    expect(report.signatures[1]!.laterChanges?.kind).toBe('none');
    expect(report.signatures[1]!.signer).toMatchObject({ commonName: 'Juana Pérez Soto', run: '12345678-5', serialNumber: '12345678-5' });
    expectSameVerdicts(report, pdfsig);
  });

  itWithReferee('pdfsig', 'firma un PDF con formulario y anotaciones sin perder sus campos', async () => {
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    const field = doc.getForm().createTextField('expediente');
    field.setText('E-1234-2026');
    field.addToPage(page, { x: 56, y: 700 });
    page.node.addAnnot(
      doc.context.register(doc.context.obj({ Type: 'Annot', Subtype: 'Link', Rect: [56, 600, 200, 620], A: { S: 'URI', URI: PDFString.of('https://www.gob.cl') } })),
    );
    const first = await signPdf(Buffer.from(await doc.save({ useObjectStreams: false })), seal, sealOptions);
    const { pdf } = await signPdf(first.pdf, person, personOptions);

    const pdfsig = runPdfsig(pdf, nssDir);
    pdfsig.forEach((s) => expectAcceptedByPdfsig(s, nssDir));
    const report = await validatePdfSignatures(pdf, { trustAnchors: anchors });
    expect(report.signatures.map((s) => [s.fieldName, s.valid])).toEqual([['Firma1', true], ['Firma2', true]]);
    expectSameVerdicts(report, pdfsig);
    const reopened = await PDFDocument.load(pdf);
    expect(reopened.getForm().getTextField('expediente').getText()).toBe('E-1234-2026');
    expect(reopened.getPages()[0]!.node.Annots()!.size()).toBe(4);
  });

  itWithReferee('pdfsig', 'un byte cambiado después de firmar invalida la firma en pdfsig y en el validador', async () => {
    const signed = await signPdf(await samplePdf({ objectStreams: false }), seal, sealOptions);
    // The producer's first letter, "p" (hex 70), becomes "`" (hex 60): the PDF still parses, its bytes differ.
    const tampered = flipByteAfter(signed.pdf, '/Producer <FEFF00');

    const pdfsig = runPdfsig(tampered, nssDir);
    expect(pdfsig[0]?.signatureValidation).toBe('Digest Mismatch.');
    const report = await validatePdfSignatures(tampered, { trustAnchors: anchors });
    expect(report.signatures[0]).toMatchObject({ valid: false, digestMatches: false });
    expect(report.signatures[0]!.problems.join(' ')).toContain('fue modificado');
    expectSameVerdicts(report, pdfsig);
  });

  itWithReferee('pdfsig', 'cambios posteriores que no son firmas se describen y quitan la validez', async () => {
    const signed = await signPdf(await samplePdf({ objectStreams: false }), seal, sealOptions);
    // Another revision rotates the first page: the signature still verifies over its range, but the document changed.
    const doc = await PDFDocument.load(signed.pdf);
    const page = doc.getPages()[0]!;
    const rotated = page.node.clone(doc.context);
    rotated.set(PDFName.of('Rotate'), PDFNumber.of(90));
    const altered = appendIncrementalUpdate(signed.pdf, readXrefTail(signed.pdf), [{ ref: page.ref, body: Buffer.from(rotated.toString(), 'latin1') }], {
      nextObjectNumber: doc.context.largestObjectNumber + 1,
      root: doc.context.trailerInfo.Root as PDFRef,
    });

    const pdfsig = runPdfsig(altered, nssDir);
    expect(pdfsig[0]).toMatchObject({ signatureValidation: 'Signature is Valid.', totalDocumentSigned: false });
    const report = await validatePdfSignatures(altered, { trustAnchors: anchors });
    const [signature] = report.signatures;
    expect(signature).toMatchObject({ valid: false, digestMatches: true, signatureVerified: true, coversWholeFile: false });
    expect(signature!.laterChanges).toMatchObject({ kind: 'other', revisions: 1 });
    expect(signature!.laterChanges?.description).toContain(`${page.ref.toString()} (página modificado)`);
    expectSameVerdicts(report, pdfsig);
  });

  itWithReferee('pdftotext', 'el timbre visible muestra nombre, cargo y fecha en la última página', async () => {
    const { pdf } = await signPdf(await samplePdf({ pages: 3 }), person, personOptions);
    const text = spawnSync('pdftotext', ['-f', '3', '-l', '3', '-', '-'], { input: pdf, encoding: 'utf8' }).stdout;
    expect(text).toContain('Firmado electrónicamente por');
    expect(text).toContain('Juana Pérez Soto');
    expect(text).toContain('Jefa de Oficina de Partes');
    expect(text).toMatch(/Fecha: \d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}/);
    const firstPage = spawnSync('pdftotext', ['-f', '1', '-l', '1', '-', '-'], { input: pdf, encoding: 'utf8' }).stdout;
    expect(firstPage).not.toContain('Firmado electrónicamente por');

    const doc = await PDFDocument.load(pdf);
    const widget = doc.getPages()[2]!.node.Annots()!.lookup(0, PDFDict);
    expect(widget.lookup(PDFName.of('AP'), PDFDict).get(PDFName.of('N'))).toBeInstanceOf(PDFRef);
  });

  itWithReferee('pdftotext', 'visar un borrador reescribe el PDF con las iniciales y luego se puede firmar', async () => {
    const initialled = await stampInitials(await samplePdf(), { initials: 'JPS', name: 'Juana Pérez Soto', at: SIGNING_TIME });
    const text = spawnSync('pdftotext', ['-', '-'], { input: initialled, encoding: 'utf8' }).stdout;
    expect(text.match(/V°B° JPS · Juana Pérez Soto/g)).toHaveLength(2);

    const { pdf } = await signPdf(initialled, seal, sealOptions);
    const report = await validatePdfSignatures(pdf, { trustAnchors: anchors });
    expect(report.signatures[0]?.valid).toBe(true);
    await expect(stampInitials(pdf, { initials: 'AB', name: 'Otra Persona', at: SIGNING_TIME })).rejects.toBeInstanceOf(PdfSigningError);
  });

  // Like itWithReferee, but for two tools: skipped locally without them, a failure under CI.
  it.skipIf(!canCheckTrust && process.env.CI !== 'true')('pdfsig confía en la cadena de desarrollo mediante una base NSS', async () => {
    if (!canCheckTrust) throw new Error('Faltan pdfsig o certutil (apt-get install poppler-utils libnss3-tools)');
    const { pdf } = await signPdf(await samplePdf(), seal, sealOptions);
    expect(runPdfsig(pdf, nssDir)[0]?.certificateValidation).toBe('Certificate is Trusted.');
  });

  it('rechaza un PDF cifrado o sin referencias cruzadas con un error tipado', async () => {
    const broken = Buffer.from('%PDF-1.7\n1 0 obj\n<< >>\nendobj\n%%EOF\n');
    await expect(signPdf(broken, seal, sealOptions)).rejects.toBeInstanceOf(PdfSigningError);
  });
});
