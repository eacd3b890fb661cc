import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import type { CaseFileIndex, DocumentEntry, IndexEntry } from '../../../standards/caseFile/CaseFileIndex.ts';
import type { CaseFileMetadata } from '../../../standards/chile/caseFileMetadata.ts';
import { caseFileIndexPdf, type CaseFileIndexPdfInput } from '../../../standards/chile/caseFileIndexPdf.ts';
import { itWithReferee } from '../../helpers/referee.ts';
import { pdftotext } from '../../helpers/pdftotext.ts';

const CODE = 'K7QF-2M9X-PA4T-8WZC-R3D1';
const URL_ = `https://legajo.ejemplo.gob.cl/verify/${CODE}`;
const AT = new Date('2026-11-24T13:05:00Z');


const sha = (n: number) => n.toString(16).padStart(64, '0');

function metadata(iuie: string, title: string, overrides: Partial<CaseFileMetadata> = {}): CaseFileMetadata {
  return {
    MGDEE1_1: iuie,
    MGDEE1_4: 'cerrado',
    MGDEE1_5: title,
    MGDEE2_2: 'Solicitud de acceso a la información pública',
    MGDEE3_1: '2026-10-01T12:00:00Z',
    MGDEE3_2: '2026-11-20T18:30:00Z',
    MGDEE4_1: 2,
    MGDEE4_2: `https://legajo.ejemplo.gob.cl/case-files/${iuie}`,
    MGDEE51_1: 'AB01',
    MGDEE51_2: 'Subsecretaría de Pruebas',
    MGDEE51: [],
    MGDEE52: [{ relation: 1, actorType: 4, id: '12345678-5', name: 'Juana Pérez Soto' }],
    MGDEE6_1: 4,
    MGDEE6_4: 1,
    MGDEE7_1: 'CPAT-0042',
    MGDEE7_2: 'Acceso a la información',
    MGDEE8_1: '001',
    ...overrides,
  };
}

function documentEntry(order: number, firstFolio: number, lastFolio: number, overrides: Partial<DocumentEntry> = {}): DocumentEntry {
  return {
    kind: 'document',
    order,
    incorporatedAt: new Date(AT.getTime() + order * 60_000),
    addedBy: 'p-1',
    removed: null,
    documentIdentifier: `DOC-2026-${String(order).padStart(6, '0')}`,
    version: 1,
    title: `Documento ${order}`,
    mediaType: 'application/pdf',
    size: 1000,
    sha256: sha(order),
    firstFolio,
    lastFolio,
    fields: {},
    ...overrides,
  };
}

const index = (iuie: string, entries: IndexEntry[], overrides: Partial<CaseFileMetadata> = {}): CaseFileIndex => ({
  metadata: metadata(iuie, `Expediente ${iuie}`, overrides),
  indexVersion: 3,
  generatedAt: AT,
  entries,
});

const input = (i: CaseFileIndex, overrides: Partial<CaseFileIndexPdfInput> = {}): CaseFileIndexPdfInput => ({
  index: i,
  code: CODE,
  verifyUrl: URL_,
  issuedAt: AT,
  agency: { code: 'AB01', name: 'Subsecretaría de Pruebas' },
  issuedBy: 'Juana Pérez Soto',
  ...overrides,
});

const nested = index('E-2026-000077', [documentEntry(1, 1, 2, { documentIdentifier: 'DOC-ANEXO-1' }), documentEntry(2, 3, 3, { documentIdentifier: 'DOC-ANEXO-2' })]);
const small = index('E-2026-000123', [
  documentEntry(1, 1, 5, { version: 2, title: 'Solicitud del peticionario' }),
  documentEntry(2, 6, 8, {
    title: 'Informe técnico',
    removed: { at: new Date('2026-11-10T14:00:00Z'), by: 'p-2', reason: 'agregado por error' },
  }),
  { kind: 'case-file', order: 3, incorporatedAt: AT, addedBy: 'p-1', removed: null, index: nested, indexVersion: 2, sha256: sha(77), firstFolio: 9, lastFolio: 11 },
  { kind: 'link', order: 4, incorporatedAt: AT, addedBy: 'sistema', removed: null, uri: 'https://repositorio.ejemplo.cl/planos/123', description: 'Planos del proyecto', sha256: null },
]);

describe('caseFileIndexPdf', () => {
  itWithReferee('pdftotext', 'muestra los metadatos, las entradas en orden con folios y el pie de verificación en cada página', async () => {
    const pdf = await caseFileIndexPdf(input(small));
    const text = pdftotext(pdf);
    const flat = text.replace(/\s+/g, ' ');

    expect(text).toContain('Índice electrónico del expediente E-2026-000123');
    for (const value of ['Expediente E-2026-000123', 'Solicitud de acceso a la información pública', 'Cerrado', 'CPAT-0042 — Acceso a la información']) {
      expect(flat).toContain(value);
    }
    expect(flat).toContain('Reservado · contiene datos sensibles');
    expect(flat).toContain('Versión sellada 3');
    expect(flat).toContain('4 entradas (1 retirada) · folios 1–11');
    for (const value of ['DOC-2026-000001', 'versión 2', 'DOC-2026-000002', 'E-2026-000077', 'índice versión 2', 'DOC-ANEXO-1', 'DOC-ANEXO-2']) {
      expect(flat).toContain(value);
    }
    for (const value of ['1–5', '6–8', '9–11', '3.1', '3.2', 'documento', 'enlace', 'expediente', 'no disponible']) expect(flat).toContain(value);
    // Too wide for its column, the URI is broken between characters.
    expect(text.replace(/\s+/g, '')).toContain('https://repositorio.ejemplo.cl/planos/123');
    expect(flat).toContain('retirado (agregado por error) el 10-11-2026 11:00 por p-2');
    expect(flat).toContain('24-11-2026 10:06');
    expect(flat).toContain(sha(1).slice(0, 32));
    expect(flat).toContain(`Código de verificación: ${CODE}`);

    const pages = (await PDFDocument.load(pdf)).getPageCount();
    expect(text.match(new RegExp(`Copia autorizada · código ${CODE} · verifique en ${URL_.replace(/[.]/g, '\\.')}`, 'g'))).toHaveLength(pages);
    // The entries come out in order, the nested case file's own entries right after it.
    const positions = ['DOC-2026-000001', 'DOC-2026-000002', 'E-2026-000077', 'DOC-ANEXO-1', 'DOC-ANEXO-2', 'repositorio.ejemplo.cl'].map((s) => flat.indexOf(s));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  itWithReferee('pdftotext', 'sin código es una vista de lectura: sin pie de verificación', async () => {
    const text = pdftotext(await caseFileIndexPdf(input(small, { code: null, verifyUrl: null })));
    expect(text).not.toContain('Copia autorizada');
    expect(text).not.toContain(CODE);
    expect(text.replace(/\s+/g, ' ')).toContain('Esta representación del índice no es una copia autorizada.');
  });

  itWithReferee(
    'pdftotext',
    'un índice de 1.000 entradas ocupa varias páginas, con todas sus entradas y la última en la última página de la tabla',
    async () => {
      const entries = Array.from({ length: 1000 }, (_, i) => documentEntry(i + 1, 3 * i + 1, 3 * i + 3));
      const pdf = await caseFileIndexPdf(input(index('E-2026-001000', entries)));
      const pages = (await PDFDocument.load(pdf)).getPageCount();
      expect(pages).toBeGreaterThan(1);

      const text = pdftotext(pdf);
      expect(text.match(/DOC-2026-\d{6}/g)).toHaveLength(1000);
      expect(text.match(/Copia autorizada · código/g)).toHaveLength(pages);
      const last = pdftotext(pdf, pages);
      expect(last).toContain('DOC-2026-001000');
      expect(last).toContain('2998–3000');
      expect(last).toContain(`Página ${pages} de ${pages}`);
      expect(pdftotext(pdf, 2)).toContain('Identificador y versión');
    },
    120_000,
  );

  itWithReferee('pdftotext', 'una entrada más alta que una página se reparte entre páginas sin perder texto', async () => {
    const uri = `https://repositorio.ejemplo.cl/${'segmento-largo/'.repeat(400)}fin-del-enlace`;
    const link: IndexEntry = { kind: 'link', order: 1, incorporatedAt: AT, addedBy: 'sistema', removed: null, uri, description: 'Enlace muy largo', sha256: sha(5) };
    const pdf = await caseFileIndexPdf(input(index('E-2026-000200', [link, documentEntry(2, 1, 1)])));
    expect((await PDFDocument.load(pdf)).getPageCount()).toBeGreaterThan(2);
    const joined = pdftotext(pdf).replace(/\s+/g, '');
    expect(joined).toContain('fin-del-enlace');
    expect(joined).toContain('DOC-2026-000002');
  });

  itWithReferee('pdftotext', 'reemplaza por "?" lo que Helvetica no puede mostrar y conserva ñ y tildes', async () => {
    const entries = [documentEntry(1, 1, 1, { title: 'Niño 🎉 pequeño — “acción”\tcon tabulación', documentIdentifier: 'DOC-ÑANDÚ-1' })];
    const text = pdftotext(await caseFileIndexPdf(input(index('E-2026-000300', entries, { MGDEE1_5: 'Pingüino 🐧 austral' }))));
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Niño ? pequeño — “acción” con tabulación');
    expect(flat).toContain('DOC-ÑANDÚ-1');
    expect(flat).toContain('Pingüino ? austral');
  });

  it('pide código y dirección juntos', async () => {
    await expect(caseFileIndexPdf(input(small, { verifyUrl: null }))).rejects.toThrow(/ambos o ninguno/);
  });
});
