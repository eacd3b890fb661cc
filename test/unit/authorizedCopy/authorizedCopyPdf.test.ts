import { readFileSync } from 'node:fs';
import { degrees, PDFArray, PDFDict, PDFDocument, PDFName, PDFPageLeaf, StandardFonts } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalSealSigner } from '../../../server/features/signing/LocalSealSigner.ts';
import { AuthorizedCopyError, authorizedCopyPdf, type AuthorizedCopyInput } from '../../../standards/chile/authorizedCopyPdf.ts';
import { signPdf } from '../../../standards/pades/signPdf.ts';
import { validatePdfSignatures } from '../../../standards/pades/validatePdfSignatures.ts';
import { makePdf } from '../../helpers/pdfs.ts';
import { itWithReferee } from '../../helpers/referee.ts';
import { pdftotext } from '../../helpers/pdftotext.ts';
import { devPki } from '../../signing/devSigners.ts';
import { expectAcceptedByPdfsig, runPdfsig } from '../../signing/pdfsig.ts';

const CODE = 'K7QF-2M9X-PA4T-8WZC-R3D1';
const URL_ = `https://legajo.ejemplo.gob.cl/verify/${CODE}`;
const SHA = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const FOOTER = new RegExp(`Copia autorizada · código ${CODE} · verifique en ${URL_.replace(/[.]/g, '\\.')}`, 'g');


const input = (source: Uint8Array, overrides: Partial<AuthorizedCopyInput> = {}): AuthorizedCopyInput => ({
  source,
  code: CODE,
  verifyUrl: URL_,
  issuedAt: new Date('2026-11-24T13:05:09Z'),
  agency: { code: 'AB01', name: 'Subsecretaría de Pruebas' },
  issuedBy: 'Juana Pérez Soto, Oficina de Partes',
  subject: { kind: 'version', identifier: 'DOC-2026-000123', version: 2, title: 'Resolución exenta N.º 45', sha256: SHA },
  ...overrides,
});

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../../fixtures/pdf/${name}`, import.meta.url)));

let seal: LocalSealSigner;
let person: LocalSealSigner;
let anchors: string[];
let nssDir: string | null;

beforeAll(async () => {
  ({ seal, person, anchors, nssDir } = await devPki());
});

describe('authorizedCopyPdf', () => {
  itWithReferee('pdftotext', 'copia las páginas, pone el pie de verificación en cada una y agrega el certificado', async () => {
    const copy = await authorizedCopyPdf(input(await makePdf(3, 'Oficio ordinario')));

    expect((await PDFDocument.load(copy)).getPageCount()).toBe(4);
    const text = pdftotext(copy);
    expect(text.match(FOOTER)).toHaveLength(4);
    for (const page of [1, 2, 3]) expect(pdftotext(copy, page)).toContain(`Oficio ordinario — página ${page}`);
    const certificate = pdftotext(copy, 4);
    expect(certificate).toContain('Certificado de copia autorizada');
    expect(certificate.replace(/\s+/g, ' ')).toContain('Las páginas 1 a 3 de este archivo son una copia autorizada');
    expect(certificate).toContain('DOC-2026-000123 · versión 2');
    expect(certificate).toContain('Resolución exenta N.º 45');
    expect(certificate).toContain(SHA);
    expect(certificate).toContain('Subsecretaría de Pruebas (código AB01)');
    expect(certificate).toContain('Juana Pérez Soto, Oficina de Partes');
    expect(certificate).toContain('2026-11-24T13:05:09.000Z UTC');
    expect(certificate).toContain('24 de noviembre de 2026');
    expect(certificate).toContain(CODE);
    expect(certificate).toContain(URL_);
    expect(certificate).toContain('Para comprobar que esta copia es auténtica');
  });

  it('agrega el pie en una franja bajo la página, sin tapar su contenido', async () => {
    const source = await makePdf(1);
    const copy = await PDFDocument.load(await authorizedCopyPdf(input(source)));
    const page = copy.getPage(0);
    const { x, y, width, height } = page.getCropBox();
    expect([x, width]).toEqual([0, 595]);
    // The original 0..842 stays whole; the strip lies below it.
    expect(y).toBeLessThan(0);
    expect(y + height).toBe(842);
    expect(page.getMediaBox()).toEqual(page.getCropBox());
  });

  itWithReferee('pdftotext', 'en una página girada el pie va en el borde inferior que se ve, y en una pequeña se reparte en líneas', async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    const turned = doc.addPage([595, 842]);
    turned.setRotation(degrees(90));
    turned.drawText('Plano apaisado', { x: 100, y: 100, size: 14, font, rotate: degrees(90) });
    doc.addPage([200, 200]).drawText('Boleta', { x: 20, y: 100, size: 12, font });
    const copy = await authorizedCopyPdf(input(await doc.save({ useObjectStreams: false })));

    const reopened = await PDFDocument.load(copy);
    const [rotated, small] = reopened.getPages();
    // Rotated 90° clockwise, the displayed bottom edge is the page's right side (x = 595).
    expect(rotated!.getCropBox()).toMatchObject({ x: 0, y: 0, height: 842 });
    expect(rotated!.getCropBox().width).toBeGreaterThan(595);
    const turnedText = pdftotext(copy, 1);
    expect(turnedText).toContain('Plano apaisado');
    expect(turnedText.replace(/\s+/g, ' ')).toContain(`Copia autorizada · código ${CODE}`);

    expect(small!.getCropBox().height - 200).toBeGreaterThan(15);
    const smallText = pdftotext(copy, 2);
    expect(smallText).toContain('Boleta');
    expect(smallText).toContain(`Copia autorizada · código ${CODE}`);
    expect(smallText).toContain(`verifique en ${URL_}`);
    expect(smallText).not.toMatch(FOOTER);
  });

  itWithReferee('pdfsig', 'no arrastra las firmas del original y la copia sellada se verifica con pdfsig', async () => {
    const signed = await signPdf(await makePdf(2), person, {
      reason: 'Aprobación',
      signerName: 'Juana Pérez Soto',
      signerPost: 'Jefa de Oficina de Partes',
      signingTime: new Date(),
      visibleStamp: true,
    });
    expect(runPdfsig(signed.pdf, nssDir)).toHaveLength(1);

    const copy = await authorizedCopyPdf(input(signed.pdf));
    expect(runPdfsig(Buffer.from(copy), nssDir)).toEqual([]);
    expect(Buffer.from(copy).includes('/ByteRange')).toBe(false);
    // The visible stamp of the original is still seen, now as page content.
    expect(pdftotext(copy, 2)).toContain('Juana Pérez Soto');

    const sealed = await signPdf(Buffer.from(copy), seal, {
      reason: 'Copia autorizada',
      signerName: 'Subsecretaría de Pruebas',
      signerPost: 'Oficina de Partes',
      signingTime: new Date(),
    });
    const [signature, ...others] = runPdfsig(sealed.pdf, nssDir);
    expect(others).toEqual([]);
    expectAcceptedByPdfsig(signature, nssDir);
    expect(signature).toMatchObject({ fieldName: sealed.fieldName, totalDocumentSigned: true });
    const report = await validatePdfSignatures(sealed.pdf, { trustAnchors: anchors });
    expect(report.signatures.map((s) => s.valid)).toEqual([true]);
  });

  it('los enlaces internos apuntan a las páginas de la copia, sin duplicarlas', async () => {
    const doc = await PDFDocument.create();
    const [first, second] = [doc.addPage([595, 842]), doc.addPage([595, 842])];
    const link = doc.context.obj({ Type: 'Annot', Subtype: 'Link', Rect: [50, 50, 150, 70], P: first.ref, Dest: [second.ref, PDFName.of('Fit')] });
    first.node.addAnnot(doc.context.register(link));

    const copy = await PDFDocument.load(await authorizedCopyPdf(input(await doc.save())));
    const pages = copy.getPages();
    const dest = pages[0]!.node.Annots()!.lookup(0, PDFDict).lookup(PDFName.of('Dest'), PDFArray);
    expect(dest.get(0)).toBe(pages[1]!.ref);
    const pageObjects = copy.context.enumerateIndirectObjects().filter(([, object]) => object instanceof PDFPageLeaf);
    expect(pageObjects).toHaveLength(3);
  });

  itWithReferee('pdftotext', 'reemplaza por "?" lo que Helvetica no puede mostrar y conserva ñ y tildes', async () => {
    const copy = await authorizedCopyPdf(
      input(await makePdf(1), {
        issuedBy: 'Ñuñoa 🏛️ Municipalidad',
        subject: { kind: 'version', identifier: 'DOC-Ñ-1', version: 1, title: 'Informe “año” — pingüino 🐧\nsegunda línea', sha256: SHA },
      }),
    );
    const text = pdftotext(copy);
    expect(text).toContain('DOC-Ñ-1 · versión 1');
    expect(text).toContain('Informe “año” — pingüino ? segunda línea');
    expect(text).toContain('Ñuñoa ? Municipalidad');
  });

  it.each([
    ['encrypted-user-password.pdf', 'encrypted'],
    ['encrypted-owner-only.pdf', 'encrypted'],
  ])('rechaza %s con AuthorizedCopyError', async (name, reason) => {
    const error = await authorizedCopyPdf(input(fixture(name))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorizedCopyError);
    expect(error).toMatchObject({ reason, message: expect.stringContaining('está cifrado') });
  });

  it('rechaza lo que no es un PDF y un PDF sin páginas', async () => {
    const garbage = await authorizedCopyPdf(input(new TextEncoder().encode('no soy un PDF'))).catch((e: unknown) => e);
    expect(garbage).toBeInstanceOf(AuthorizedCopyError);
    expect(garbage).toMatchObject({ reason: 'unreadable', message: expect.stringContaining('no se puede leer') });

    const empty = await (await PDFDocument.create()).save({ addDefaultPage: false });
    await expect(authorizedCopyPdf(input(empty))).rejects.toMatchObject({ reason: 'unreadable', message: expect.stringContaining('no tiene páginas') });
  });
});
