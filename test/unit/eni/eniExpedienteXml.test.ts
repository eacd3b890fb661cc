import { DOMParser } from '@xmldom/xmldom';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildEniExpediente, ENI_NS, signEniExpediente } from '../../../standards/eni/eniExpedienteXml.ts';
import { verifyXmlSeal } from '../../../standards/xmldsig/verifyXmlSeal.ts';
import { base64Of, caseFile, doc, hexOf, link, nested, removed, run, testSealKey } from './eniSamples.ts';

const IUIE = 'EXP-20261120-000001-AB01';
const C = ENI_NS.indiceContenido;
const options = { organo: 'AB01', state: 'E01' } as const;

function parse(xml: string): Document {
  const problems: string[] = [];
  const record = (m: string) => void problems.push(m);
  const document = new DOMParser({ errorHandler: { warning: record, error: record, fatalError: record } }).parseFromString(xml, 'application/xml');
  if (problems.length > 0) throw new Error(`XML mal formado: ${problems.join('; ')}`);
  return document as unknown as Document;
}

const childElements = (e: Element) => Array.from(e.childNodes).filter((n): n is Element => n.nodeType === 1);
const text = (parent: Element, ns: string, name: string) => childElements(parent).find((c) => c.namespaceURI === ns && c.localName === name)?.textContent ?? null;
const only = (d: Document, ns: string, name: string) => {
  const found = Array.from(d.getElementsByTagNameNS(ns, name));
  expect(found).toHaveLength(1);
  return found[0]!;
};

/** The index's top-level items as [element name, identifier or null]. */
function topItems(d: Document): [string, string | null][] {
  return childElements(only(d, ENI_NS.indice, 'IndiceContenido'))
    .slice(1)
    .map((e) => [e.localName, text(e, C, 'IdentificadorDocumento')]);
}

describe('buildEniExpediente', () => {
  it('indexes each document with an ENI-shaped identifier, base64 digest, algorithm URI, date and order', () => {
    const index = caseFile(IUIE, [doc(1), doc(2, { version: 3, documentIdentifier: 'DOCU-20251231-000099-CD02', fields: { MGDDE61_1: 'CD02' } })]);
    const d = parse(buildEniExpediente(index, options).xml);
    const docs = Array.from(d.getElementsByTagNameNS(C, 'DocumentoIndizado'));
    expect(docs.map((e) => childElements(e).map((c) => c.localName))).toEqual(
      Array(2).fill(['IdentificadorDocumento', 'ValorHuella', 'FuncionResumen', 'FechaIncorporacionExpediente', 'OrdenDocumentoExpediente']),
    );
    const [first, second] = docs as [Element, Element];
    // The year is the filing year in legajo's identifier, not MGDDE4_1 (2025 in the sample).
    expect(text(first, C, 'IdentificadorDocumento')).toBe('CL_AB01_2026_DOCU-20261121-000001-AB01_v1');
    expect(text(second, C, 'IdentificadorDocumento')).toBe('CL_CD02_2025_DOCU-20251231-000099-CD02_v3');
    expect(text(first, C, 'ValorHuella')).toBe(base64Of('documento 1'));
    expect(text(first, C, 'FuncionResumen')).toBe('http://www.w3.org/2001/04/xmlenc#sha256');
    expect(text(first, C, 'FechaIncorporacionExpediente')).toBe(index.entries[0]!.incorporatedAt.toISOString());
    expect(text(second, C, 'OrdenDocumentoExpediente')).toBe('2');
  });

  it('falls back to the incorporation year and the exporting body when the document carries neither', () => {
    const index = caseFile(IUIE, [doc(1, { documentIdentifier: 'externo/42', fields: {} })]);
    const d = parse(buildEniExpediente(index, options).xml);
    expect(topItems(d)).toEqual([['DocumentoIndizado', 'CL_AB01_2026_externo/42_v1']]);
  });

  it('puts IndiceContenido (the one Id) in indice-e with its date, and leaves an empty TF02 signature slot that names it', () => {
    const index = caseFile(IUIE, [doc(1)]);
    const built = buildEniExpediente(index, options);
    const d = parse(built.xml);
    const content = only(d, ENI_NS.indice, 'IndiceContenido');
    expect(content.getAttribute('Id')).toBe(built.signTarget.id);
    expect(text(content, C, 'FechaIndiceElectronico')).toBe(index.generatedAt.toISOString());
    expect(built.xml.match(/\bId="/g)).toHaveLength(1);
    const firma = only(d, ENI_NS.firma, 'firma');
    expect(firma.getAttribute('ref')).toBe(built.signTarget.id);
    expect(text(firma, ENI_NS.firma, 'TipoFirma')).toBe('TF02');
    expect(built.signTarget.placeInside).toEqual({ localName: 'FirmaConCertificado', namespaceUri: ENI_NS.firma });
    expect(childElements(only(d, ENI_NS.firma, 'FirmaConCertificado'))).toHaveLength(0);
  });

  it('writes metadatosExp in schema order: identifier, body, opening date, CPAT code, state and each interested RUN once', () => {
    const interested = { relation: 2, actorType: 1, id: run('12345678'), name: 'Persona interesada' } as const;
    const index = caseFile(IUIE, [doc(1)], {
      MGDEE3_1: '2026-11-20T07:00:00-03:00',
      MGDEE52: [
        { relation: 1, actorType: 4, id: run('11111111'), name: 'Responsable' },
        interested,
        { relation: 3, actorType: 1, id: run('22222222'), name: 'Autora' },
        { relation: 2, actorType: 3, id: run('76543210'), name: 'Empresa interesada' },
        { ...interested, name: 'Repetida' },
      ],
    });
    const d = parse(buildEniExpediente(index, { organo: 'AB01', state: 'E03' }).xml);
    const meta = only(d, ENI_NS.metadatos, 'metadatosExp');
    expect(childElements(meta).map((e) => [e.localName, e.textContent])).toEqual([
      ['VersionNTI', 'http://administracionelectronica.gob.es/ENI/XSD/v1.0/expediente-e'],
      ['Identificador', `CL_AB01_2026_EXP_${IUIE}`],
      ['Organo', 'AB01'],
      ['FechaAperturaExpediente', '2026-11-20T10:00:00.000Z'],
      ['Clasificacion', 'CPAT-0042'],
      ['Estado', 'E03'],
      ['Interesado', run('12345678')],
      ['Interesado', run('76543210')],
    ]);
  });

  it('reports by code the metadata that metadatosExp cannot carry', () => {
    const { omitted } = buildEniExpediente(caseFile(IUIE, [doc(1)], { MGDEE2_1: 'Resumen' }), options);
    expect(omitted[0]).toBe(`${IUIE}: metadatos sin equivalente en metadatosExp de ENI, no se incluyen: MGDEE1_5, MGDEE2_2, MGDEE4_1, MGDEE4_2, MGDEE51_2, MGDEE51, MGDEE6_1, MGDEE6_4, MGDEE8_1, MGDEE2_1.`);
    expect(omitted[1]).toMatch(/MGDEE52.*solo el RUN\/RUT de los interesados/);
  });

  it('leaves removed entries out and reports each one', () => {
    const index = caseFile(IUIE, [doc(1), removed(doc(2)), removed(link(3, 'https://otro.example/r', hexOf('r'))), doc(4)]);
    const { xml, omitted } = buildEniExpediente(index, options);
    expect(topItems(parse(xml)).map(([, id]) => id)).toEqual(['CL_AB01_2026_DOCU-20261121-000001-AB01_v1', 'CL_AB01_2026_DOCU-20261121-000004-AB01_v1']);
    expect(xml).not.toContain('otro.example');
    expect(omitted.filter((m) => m.includes('retirada'))).toEqual([
      `${IUIE}, orden 2: entrada retirada el 2026-11-28T12:00:00.000Z (desglose solicitado); ENI no registra desgloses y no se incluye.`,
      `${IUIE}, orden 3: entrada retirada el 2026-11-28T12:00:00.000Z (desglose solicitado); ENI no registra desgloses y no se incluye.`,
    ]);
  });

  it('indexes a link with a digest as a document identified by its URI, and omits one without', () => {
    const index = caseFile(IUIE, [doc(1), link(2, 'https://repositorio.example/obj?id=7&v=2', hexOf('enlace')), link(3, 'https://repositorio.example/sin-huella', null)]);
    const { xml, omitted } = buildEniExpediente(index, options);
    const d = parse(xml);
    expect(topItems(d).map(([, id]) => id)).toEqual(['CL_AB01_2026_DOCU-20261121-000001-AB01_v1', 'https://repositorio.example/obj?id=7&v=2']);
    const linkItem = Array.from(d.getElementsByTagNameNS(C, 'DocumentoIndizado'))[1]!;
    expect(text(linkItem, C, 'ValorHuella')).toBe(base64Of('enlace'));
    expect(text(linkItem, C, 'OrdenDocumentoExpediente')).toBe('2');
    expect(omitted).toContain(`${IUIE}, orden 2: enlace a https://repositorio.example/obj?id=7&v=2 indizado como documento, con la URI como identificador; ENI no distingue enlaces ni guarda su descripción («Enlace 2»).`);
    expect(omitted).toContain(`${IUIE}, orden 3: enlace a https://repositorio.example/sin-huella sin huella registrada; ENI solo indiza elementos con huella y no se incluye.`);
  });

  it('nests case files as ExpedienteIndizado, recursively, with their own index date and orders', () => {
    const deepest = caseFile('EXP-20261001-000003-AB01', [doc(1, { documentIdentifier: 'DOCU-20261001-000030-AB01' })]);
    const middle = caseFile('EXP-20261101-000002-AB01', [doc(1, { documentIdentifier: 'DOCU-20261101-000020-AB01' }), nested(2, deepest)]);
    middle.generatedAt = new Date('2026-11-02T08:00:00Z');
    const index = caseFile(IUIE, [doc(1), nested(2, middle), doc(3)]);
    const { xml, omitted } = buildEniExpediente(index, options);
    const d = parse(xml);
    expect(topItems(d)).toEqual([
      ['DocumentoIndizado', 'CL_AB01_2026_DOCU-20261121-000001-AB01_v1'],
      ['ExpedienteIndizado', null],
      ['DocumentoIndizado', 'CL_AB01_2026_DOCU-20261121-000003-AB01_v1'],
    ]);
    const [outerNest, innerNest] = Array.from(d.getElementsByTagNameNS(C, 'ExpedienteIndizado')) as [Element, Element];
    expect(text(outerNest, C, 'FechaIndiceElectronico')).toBe('2026-11-02T08:00:00.000Z');
    expect(childElements(outerNest).map((e) => e.localName)).toEqual(['FechaIndiceElectronico', 'DocumentoIndizado', 'ExpedienteIndizado']);
    expect(childElements(innerNest).map((e) => text(e, C, 'IdentificadorDocumento'))).toEqual([null, 'CL_AB01_2026_DOCU-20261001-000030-AB01_v1']);
    expect(omitted.filter((m) => m.includes('expediente anidado'))).toEqual([
      expect.stringMatching(/^EXP-20261120-000001-AB01, orden 2: expediente anidado EXP-20261101-000002-AB01 incluido como ExpedienteIndizado; .*versión 3 .*[0-9a-f]{64}/),
      expect.stringMatching(/^EXP-20261120-000001-AB01\/EXP-20261101-000002-AB01, orden 2: expediente anidado EXP-20261001-000003-AB01 incluido/),
    ]);
  });

  it('leaves out, and reports, a nested case file with nothing ENI can index', () => {
    const empty = caseFile('EXP-20261101-000002-AB01', [removed(doc(1)), link(2, 'https://x.example/', null)]);
    const { xml, omitted } = buildEniExpediente(caseFile(IUIE, [doc(1), nested(2, empty)]), options);
    expect(parse(xml).getElementsByTagNameNS(C, 'ExpedienteIndizado')).toHaveLength(0);
    const at = omitted.indexOf(`${IUIE}, orden 2: expediente anidado EXP-20261101-000002-AB01 sin documentos que ENI pueda indizar; no se incluye.`);
    expect(at).toBeGreaterThan(-1);
    // Its own omissions follow it, located under its path.
    expect(omitted[at + 1]).toMatch(/^EXP-20261120-000001-AB01\/EXP-20261101-000002-AB01, orden 1: entrada retirada/);
  });

  it('keeps special characters exact and replaces only what XML cannot carry, reporting where', () => {
    const odd = 'Trámite <ñandú> & "cía" \'ok\' ]]> 🙂 \r\n\t fin';
    const index = caseFile(IUIE, [doc(1, { documentIdentifier: `DOCU-20261121-000001-AB01 ${odd}` }), link(2, 'https://x.example/?a=1&b=<2>', hexOf('l'))], {
      MGDEE7_1: `CPAT ${odd}\u0001\uD800`,
    });
    const { xml, omitted } = buildEniExpediente(index, { organo: 'A&B', state: 'E02' });
    const d = parse(xml);
    const meta = only(d, ENI_NS.metadatos, 'metadatosExp');
    expect(text(meta, ENI_NS.metadatos, 'Clasificacion')).toBe(`CPAT ${odd}\uFFFD\uFFFD`);
    expect(text(meta, ENI_NS.metadatos, 'Organo')).toBe('A&B');
    expect(topItems(d).map(([, id]) => id)).toEqual([`CL_AB01_2026_DOCU-20261121-000001-AB01 ${odd}_v1`, 'https://x.example/?a=1&b=<2>']);
    expect(omitted).toContain(`${IUIE}, metadatos: se reemplazaron por U+FFFD caracteres que XML no admite.`);
  });

  it('round-trips any string through element content, except code points XML 1.0 excludes', () => {
    // 'binary' yields whole code points only, so lone surrogate halves are mixed in explicitly.
    const anyCodeUnit = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n)));
    // XML 1.0 Char production, written as an allow-list to check the builder's deny-list independently.
    const isXmlChar = (cp: number) => cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
    fc.assert(
      fc.property(fc.string({ unit: anyCodeUnit, minLength: 1 }), (value) => {
        const d = parse(buildEniExpediente(caseFile(IUIE, [doc(1)], { MGDEE7_1: value }), options).xml);
        const expected = Array.from(value, (c) => (isXmlChar(c.codePointAt(0)!) ? c : '\uFFFD')).join('');
        expect(text(only(d, ENI_NS.metadatos, 'metadatosExp'), ENI_NS.metadatos, 'Clasificacion')).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what cannot become an ENI expediente', () => {
    expect(() => buildEniExpediente(caseFile(IUIE, []), options)).toThrow(/no tiene documentos vigentes que ENI pueda indizar/);
    expect(() => buildEniExpediente(caseFile(IUIE, [removed(doc(1)), link(2, 'https://x.example/', null)]), options)).toThrow(/al menos uno/);
    expect(() => buildEniExpediente(caseFile(IUIE, [doc(1)]), { organo: '  ', state: 'E01' })).toThrow(/Organo/);
    expect(() => buildEniExpediente(caseFile(IUIE, [doc(1, { sha256: 'xyz' })]), options)).toThrow(`${IUIE}, orden 1: el SHA-256 «xyz» no tiene 64 dígitos hexadecimales.`);
    expect(() => buildEniExpediente(caseFile(IUIE, [doc(1)], { MGDEE3_1: 'ayer' }), options)).toThrow(`${IUIE}, MGDEE3_1: «ayer» no es una fecha y hora válida.`);
  });
});

describe('signEniExpediente', () => {
  const { key, certificatePem } = testSealKey();

  it('seals IndiceContenido inside FirmaConCertificado, so any change to the index breaks the seal', () => {
    const built = buildEniExpediente(caseFile(IUIE, [doc(1), doc(2)]), options);
    const signed = signEniExpediente(built, key);
    const d = parse(signed);
    const signature = only(d, 'http://www.w3.org/2000/09/xmldsig#', 'Signature');
    expect(signature.parentNode).toBe(only(d, ENI_NS.firma, 'FirmaConCertificado'));
    expect(only(d, 'http://www.w3.org/2000/09/xmldsig#', 'Reference').getAttribute('URI')).toBe('#IndiceContenido');

    const expectReference = { id: built.signTarget.id };
    expect(verifyXmlSeal(signed, [certificatePem], { expectReference })).toMatchObject({ valid: true, problems: [] });
    const tampered = signed.replace(base64Of('documento 2'), base64Of('otro documento'));
    expect(tampered).not.toBe(signed);
    expect(verifyXmlSeal(tampered, [certificatePem], { expectReference })).toMatchObject({ valid: false, referencesValid: false });
    // The metadata sits outside the signed index: ENI seals the index, not metadatosExp.
    expect(verifyXmlSeal(signed.replace('<eniexpmeta:Estado>E01', '<eniexpmeta:Estado>E02'), [certificatePem], { expectReference }).valid).toBe(true);
  });

  it('keeps the seal verifiable over escaped characters in the index (CR, markup, astral, replaced ones)', () => {
    const odd = 'a\r\nb <c> & "d" 🙂 \u0001 ]]>';
    const built = buildEniExpediente(caseFile(IUIE, [doc(1, { documentIdentifier: `DOCU-20261121-000001-AB01${odd}` }), link(2, `https://x.example/?${odd}`, hexOf('l'))]), options);
    const report = verifyXmlSeal(signEniExpediente(built, key), [certificatePem], { expectReference: { id: built.signTarget.id } });
    expect(report).toMatchObject({ valid: true, problems: [] });
  });
});
