import { readFileSync } from 'node:fs';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRef, PDFStream, StandardFonts, degrees } from 'pdf-lib';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalSealSigner } from '../../server/features/signing/LocalSealSigner.ts';
import { pdfObjectBytes } from '../../standards/pades/pdfObjectBytes.ts';
import { signPdf, type SignPdfOptions } from '../../standards/pades/signPdf.ts';
import { RegistryStampError, stampRegistryNumber, type RegistryStamp } from '../../standards/pades/stampRegistryNumber.ts';
import { validatePdfSignatures } from '../../standards/pades/validatePdfSignatures.ts';
import { pdftotext } from '../helpers/pdftotext.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { devPki } from './devSigners.ts';
import { expectAcceptedByPdfsig, runPdfsig } from './pdfsig.ts';
import { samplePdf } from './samplePdf.ts';

const SIGNING_TIME = new Date();
const STAMP: RegistryStamp = { registryNumber: '30-2026-000017', office: 'Oficina de Partes', at: new Date('2026-01-15T13:30:00Z') };
/** January is summer time in Chile (UTC-3). */
const STAMP_TEXT = 'N.º 30-2026-000017 · Oficina de Partes · 15-01-2026 10:30:00 (GMT-3)';

let seal: LocalSealSigner;
let person: LocalSealSigner;
let anchors: string[];
let nssDir: string | null;

beforeAll(async () => {
  ({ seal, person, anchors, nssDir } = await devPki());
});

const sealOptions: SignPdfOptions = { reason: 'Sello de la institución', signerName: 'Subsecretaría de Pruebas', signerPost: 'Oficina de Partes', signingTime: SIGNING_TIME };
const personOptions: SignPdfOptions = { reason: 'Aprobación', signerName: 'Juana Pérez Soto', signerPost: 'Jefa de Oficina de Partes', signingTime: SIGNING_TIME, visibleStamp: true };

/** Every signature verifies in pdfsig (and is trusted with our roots) and in our validator. */
async function expectAllSignaturesValid(pdf: Buffer, count: number) {
  const pdfsig = runPdfsig(pdf, nssDir);
  expect(pdfsig).toHaveLength(count);
  pdfsig.forEach((s) => expectAcceptedByPdfsig(s, nssDir));
  const report = await validatePdfSignatures(pdf, { trustAnchors: anchors });
  expect(report.problems).toEqual([]);
  expect(report.signatures.map((s) => [s.fieldName, s.valid, s.problems])).toEqual(pdfsig.map((s) => [s.fieldName, true, []]));
  return report;
}

/** The stamp annotations of the first page, in order. */
async function stampsOnFirstPage(pdf: Buffer): Promise<PDFDict[]> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const annots = doc.getPages()[0]!.node.Annots()?.asArray() ?? [];
  return annots.map((a) => doc.context.lookup(a, PDFDict)).filter((a) => a.get(PDFName.of('Subtype')) === PDFName.of('FreeText'));
}

const rectOf = (annot: PDFDict) => annot.lookup(PDFName.of('Rect'), PDFArray).asArray().map((n) => (n as PDFNumber).asNumber()) as [number, number, number, number];

describe('stampRegistryNumber', () => {
  for (const objectStreams of [true, false]) {
    itWithReferee('pdftotext', `estampa el número arriba a la derecha de la primera página de un PDF sin firmas (referencias cruzadas ${objectStreams ? 'en flujo' : 'en tabla'})`, async () => {
      const original = await samplePdf({ objectStreams });
      const stamped = await stampRegistryNumber(original, STAMP);

      expect(stamped.subarray(0, original.length).equals(original)).toBe(true);
      expect(pdftotext(stamped, 1)).toContain(STAMP_TEXT);
      expect(pdftotext(stamped, 2)).not.toContain('30-2026-000017');
      const [annot, ...rest] = await stampsOnFirstPage(stamped);
      expect(rest).toHaveLength(0);
      const [x1, y1, x2, y2] = rectOf(annot!);
      expect(x2).toBeCloseTo(595 - 18);
      expect(y2).toBeCloseTo(842 - 18);
      expect(x1).toBeGreaterThan(595 / 3);
      expect(y1).toBeGreaterThan(800);
      expect(annot!.get(PDFName.of('F'))).toEqual(PDFNumber.of(644));
      expect(annot!.lookup(PDFName.of('AP'), PDFDict).get(PDFName.of('N'))).toBeInstanceOf(PDFRef);
      expect(await validatePdfSignatures(stamped, { trustAnchors: anchors })).toEqual({ signatures: [], problems: [] });
    });
  }

  it('pdf.js, un segundo lector, ve la anotación FreeText con su texto completo', async () => {
    const stamped = await stampRegistryNumber(await samplePdf(), STAMP);
    const task = getDocument({ data: new Uint8Array(stamped), isEvalSupported: false, useWasm: false, useSystemFonts: false, verbosity: 0 });
    try {
      const annotations = await (await (await task.promise).getPage(1)).getAnnotations();
      expect(annotations).toHaveLength(1);
      expect(annotations[0]).toMatchObject({ subtype: 'FreeText', contentsObj: { str: STAMP_TEXT }, titleObj: { str: 'Oficina de Partes' } });
    } finally {
      await task.destroy();
    }
  });

  itWithReferee('pdfsig', 'después de una firma: la firma sigue válida y el cambio posterior se informa como una anotación', async () => {
    const signed = await signPdf(await samplePdf({ objectStreams: false }), seal, sealOptions);
    const stamped = await stampRegistryNumber(signed.pdf, STAMP);

    expect(stamped.subarray(0, signed.pdf.length).equals(signed.pdf)).toBe(true);
    expect(pdftotext(stamped, 1)).toContain(STAMP_TEXT);
    const report = await expectAllSignaturesValid(stamped, 1);
    expect(report.signatures[0]!.coversWholeFile).toBe(false);
    expect(report.signatures[0]!.laterChanges).toMatchObject({
      kind: 'annotations',
      revisions: 1,
      description: 'Después de esta firma hay 1 actualización incremental que solo agrega una anotación (FreeText), sin cambiar el contenido de las páginas.',
    });
  });

  itWithReferee('pdfsig', 'después de dos firmas, con el timbre visible en la misma página: ambas siguen válidas', async () => {
    const first = await signPdf(await samplePdf({ pages: 1 }), seal, sealOptions);
    const second = await signPdf(first.pdf, person, personOptions);
    const stamped = await stampRegistryNumber(second.pdf, STAMP);

    const text = pdftotext(stamped, 1);
    expect(text).toContain(STAMP_TEXT);
    expect(text).toContain('Juana Pérez Soto');
    const report = await expectAllSignaturesValid(stamped, 2);
    expect(report.signatures.map((s) => s.laterChanges?.kind)).toEqual(['annotations', 'annotations']);
    expect(report.signatures[0]!.laterChanges?.description).toContain('2 actualizaciones incrementales que solo agregan una anotación (FreeText) y otra firma');
    // Both signature widgets (the seal's is invisible) stay on the page, before the stamp.
    const doc = await PDFDocument.load(stamped);
    const annots = doc.getPages()[0]!.node.Annots()!.asArray().map((a) => doc.context.lookup(a, PDFDict).get(PDFName.of('Subtype')));
    expect(annots).toEqual([PDFName.of('Widget'), PDFName.of('Widget'), PDFName.of('FreeText')]);
  });

  itWithReferee('pdfsig', 'numerar y luego firmar: las firmas posteriores cubren el timbre y todas son válidas', async () => {
    const stamped = await stampRegistryNumber(await samplePdf(), STAMP);
    const first = await signPdf(stamped, seal, sealOptions);
    const second = await signPdf(first.pdf, person, personOptions);

    expect(pdftotext(second.pdf, 1)).toContain(STAMP_TEXT);
    const report = await expectAllSignaturesValid(second.pdf, 2);
    expect(report.signatures.map((s) => s.laterChanges?.kind)).toEqual(['signatures', 'none']);
  });

  itWithReferee('pdfsig', 'firmar, numerar y volver a firmar: ambas firmas verifican', async () => {
    const first = await signPdf(await samplePdf(), seal, sealOptions);
    const second = await signPdf(await stampRegistryNumber(first.pdf, STAMP), person, personOptions);

    expect(pdftotext(second.pdf, 1)).toContain(STAMP_TEXT);
    const report = await expectAllSignaturesValid(second.pdf, 2);
    expect(report.signatures.map((s) => s.laterChanges?.kind)).toEqual(['annotations', 'none']);
    expect(report.signatures[0]!.laterChanges?.description).toContain('una anotación (FreeText) y otra firma');
  });

  itWithReferee('pdfsig', 'dos firmas, número y una tercera firma del mismo sello: las tres verifican', async () => {
    const first = await signPdf(await samplePdf(), seal, sealOptions);
    const second = await signPdf(first.pdf, person, personOptions);
    const third = await signPdf(await stampRegistryNumber(second.pdf, STAMP), seal, sealOptions);

    expect(pdftotext(third.pdf, 1)).toContain(STAMP_TEXT);
    // Only the signatures are judged by pdfsig here: poppler 22 reads NSS's last error without checking whether
    // CERT_PKIXVerifyCert failed, so a certificate met twice in one run (it happens with seal, seal and no stamp)
    // can come out as "Unknown issue". Our validator checks the chains.
    expect(runPdfsig(third.pdf, nssDir).map((s) => s.signatureValidation)).toEqual(Array(3).fill('Signature is Valid.'));
    const report = await validatePdfSignatures(third.pdf, { trustAnchors: anchors });
    expect(report.signatures.map((s) => [s.valid, s.chain?.trusted, s.laterChanges?.kind])).toEqual([
      [true, true, 'annotations'],
      [true, true, 'annotations'],
      [true, true, 'none'],
    ]);
    expect(report.signatures[1]!.laterChanges?.description).toContain('una anotación (FreeText) y otra firma');
  });

  itWithReferee('pdftotext', 'un segundo número (el de la oficina que recibe) va debajo del primero', async () => {
    const once = await stampRegistryNumber(await samplePdf(), STAMP);
    const twice = await stampRegistryNumber(once, { registryNumber: 'AB-2026-000099', office: 'Oficina de Partes del destinatario', at: STAMP.at });

    const text = pdftotext(twice, 1);
    expect(text).toContain(STAMP_TEXT);
    expect(text).toContain('N.º AB-2026-000099 · Oficina de Partes del destinatario');
    const [upper, lower] = (await stampsOnFirstPage(twice)).map(rectOf);
    expect(lower![3]).toBeLessThan(upper![1]);
    expect((await stampsOnFirstPage(twice)).map((a) => a.lookup(PDFName.of('NM'))?.toString())).toEqual(['(legajo-registro-1)', '(legajo-registro-2)']);
  });

  itWithReferee('pdftotext', 'un nombre de oficina muy largo se acorta; el número y la hora nunca', async () => {
    const office = `Oficina de Partes ${'de la División de Administración y Finanzas '.repeat(8)}`;
    const text = pdftotext(await stampRegistryNumber(await samplePdf(), { ...STAMP, office }), 1);
    expect(text).toMatch(/N\.º 30-2026-000017 · Oficina de Partes de la .*… · 15-01-2026 10:30:00 \(GMT-3\)/);
  });

  itWithReferee('pdftotext', 'en una página girada (/Rotate 90) el timbre queda arriba a la derecha tal como se ve', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const page = doc.addPage([595, 842]);
    page.setRotation(degrees(90));
    page.drawText('Página apaisada', { x: 56, y: 400, size: 12, font });
    const stamped = await stampRegistryNumber(Buffer.from(await doc.save()), STAMP);

    expect(pdftotext(stamped, 1)).toContain(STAMP_TEXT);
    const after = await PDFDocument.load(stamped);
    const annot = after.context.lookup(after.getPages()[0]!.node.Annots()!.get(0), PDFDict);
    // Turned 90° clockwise, the page's left edge is the top and its top edge the right.
    const [x1, , x2, y2] = rectOf(annot);
    expect(x1).toBeCloseTo(18);
    expect(y2).toBeCloseTo(842 - 18);
    expect(x2 - x1).toBeLessThan(30);
    // The appearance turns 90° counterclockwise, so the text reads upright once the viewer turns the page.
    const appearance = after.context.lookup(annot.lookup(PDFName.of('AP'), PDFDict).get(PDFName.of('N')), PDFStream);
    expect(appearance.dict.lookup(PDFName.of('Matrix'))?.toString()).toBe('[ 0 1 -1 0 0 0 ]');
  });

  it('no reescribe la página cuando sus anotaciones están en un arreglo indirecto', async () => {
    const doc = await PDFDocument.create();
    const page = doc.addPage([595, 842]);
    page.node.set(PDFName.of('Annots'), doc.context.register(doc.context.obj([])));
    const original = Buffer.from(await doc.save({ useObjectStreams: false }));
    const stamped = await stampRegistryNumber(original, STAMP);

    const before = await PDFDocument.load(original);
    const after = await PDFDocument.load(stamped);
    const pageRef = after.getPages()[0]!.ref;
    expect(pdfObjectBytes(after.context.lookup(pageRef)!).equals(pdfObjectBytes(before.context.lookup(pageRef)!))).toBe(true);
    expect(after.getPages()[0]!.node.Annots()!.size()).toBe(1);
  });

  it.each([
    [1, 'no permite ningún cambio (DocMDP P=1)'],
    [2, 'solo permite rellenar formularios y firmar (DocMDP P=2)'],
  ])('rechaza un PDF certificado con DocMDP P=%i', async (p, message) => {
    const error = await stampRegistryNumber(await certifiedPdf(p), STAMP).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryStampError);
    expect(error).toMatchObject({ reason: 'certified' });
    expect((error as Error).message).toContain(message);
  });

  it('acepta un PDF certificado que permite anotaciones (DocMDP P=3)', async () => {
    expect(await stampsOnFirstPage(await stampRegistryNumber(await certifiedPdf(3), STAMP))).toHaveLength(1);
  });

  it('rechaza un PDF cifrado y uno ilegible con un error tipado', async () => {
    const encrypted = readFileSync(new URL('../../fixtures/pdf/encrypted-user-password.pdf', import.meta.url));
    await expect(stampRegistryNumber(encrypted, STAMP)).rejects.toMatchObject({ name: 'RegistryStampError', reason: 'encrypted', message: expect.stringContaining('cifrado') });
    const broken = Buffer.from('%PDF-1.7\n1 0 obj\n<< >>\nendobj\n%%EOF\n');
    await expect(stampRegistryNumber(broken, STAMP)).rejects.toMatchObject({ name: 'RegistryStampError', reason: 'unreadable' });
  });
});

/**
 * A PDF whose catalog names a certification signature with the given DocMDP permission. The signature itself is an
 * unsigned placeholder: refusing to stamp only depends on the declared permission.
 */
async function certifiedPdf(p: number): Promise<Buffer> {
  const doc = await PDFDocument.load(await samplePdf({ objectStreams: false }));
  const { context } = doc;
  const signature = context.register(
    context.obj({
      Type: 'Sig',
      Filter: 'Adobe.PPKLite',
      SubFilter: 'ETSI.CAdES.detached',
      Reference: [{ Type: 'SigRef', TransformMethod: 'DocMDP', TransformParams: { Type: 'TransformParams', P: p, V: '1.2' } }],
    }),
  );
  doc.catalog.set(PDFName.of('Perms'), context.obj({ DocMDP: signature }));
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
