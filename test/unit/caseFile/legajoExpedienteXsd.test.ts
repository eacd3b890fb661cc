import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MGDDE } from '../../../standards/chile/documentMetadata.ts';
import { buildCaseFileXml, CASE_FILE_NS } from '../../../standards/caseFile/caseFileXml.ts';
import { MAX_NESTING, METADATA_FIELDS } from '../../../standards/caseFile/caseFileXmlFormat.ts';
import type { CaseFileIndex } from '../../../standards/caseFile/CaseFileIndex.ts';
import { parseCaseFileXml } from '../../../standards/caseFile/parseCaseFileXml.ts';
import { parseXmlSafely } from '../../../standards/xml/parseXmlSafely.ts';
import { emptyIndex, HASH_A, nestedEntry, XSD_PATH } from './fixtures.ts';

const XS = 'http://www.w3.org/2001/XMLSchema';
const xsd = parseXmlSafely(readFileSync(XSD_PATH, 'utf8'), { maxLength: 1_000_000 });
const all = (name: string) => Array.from(xsd.getElementsByTagNameNS(XS, name));
const childrenNamed = (el: Element, name: string) => Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).localName === name);
const named = (kind: string, name: string) => all(kind).find((e) => e.getAttribute('name') === name)!;

describe('legajo-expediente-1.0.xsd', () => {
  it('declares legajo’s namespace and needs nothing from the network or ../shared', () => {
    expect(xsd.documentElement.getAttribute('targetNamespace')).toBe(CASE_FILE_NS);
    expect(xsd.documentElement.getAttribute('elementFormDefault')).toBe('qualified');
    expect(all('import').length + all('include').length + all('redefine').length).toBe(0);
    const signature = all('any')[0]!;
    expect([signature.getAttribute('namespace'), signature.getAttribute('processContents'), signature.getAttribute('minOccurs'), signature.getAttribute('maxOccurs')]).toEqual([
      'http://www.w3.org/2000/09/xmldsig#',
      'lax',
      '0',
      '1',
    ]);
  });

  it('documents every element in Spanish, and each metadata element with its code', () => {
    for (const element of all('element')) {
      const doc = element.getElementsByTagNameNS(XS, 'documentation')[0]?.textContent ?? '';
      expect(doc.length, element.getAttribute('name')!).toBeGreaterThan(5);
      const name = element.getAttribute('name')!;
      if (/^MGDEE/.test(name)) expect(doc.startsWith(`${name} `), name).toBe(true);
    }
  });

  it('lists the case-file metadata in the order and with the cardinality the builder and parser use', () => {
    const sequence = childrenNamed(childrenNamed(named('complexType', 'MetadatosExpediente'), 'sequence')[0]!, 'element');
    expect(sequence.map((e) => e.getAttribute('name'))).toEqual(METADATA_FIELDS.map((f) => f.code));
    for (const [i, field] of METADATA_FIELDS.entries()) {
      const e = sequence[i]!;
      // xmldom answers '' for an absent attribute; XSD's default for both is 1.
      const occurs = [field.code, e.getAttribute('minOccurs') || '1', e.getAttribute('maxOccurs') || '1'];
      expect(occurs).toEqual('codec' in field ? [field.code, field.required ? '1' : '0', '1'] : [field.code, String(field.minOccurs), 'unbounded']);
    }
  });

  it('admits exactly the MGDDE codes legajo knows, each documented', () => {
    const values = named('simpleType', 'CodigoMGDDE').getElementsByTagNameNS(XS, 'enumeration');
    expect(Array.from(values).map((v) => v.getAttribute('value'))).toEqual(Object.values(MGDDE));
    for (const v of Array.from(values)) expect(v.getElementsByTagNameNS(XS, 'documentation')[0]?.textContent?.length).toBeGreaterThan(5);
  });

  it('keeps orden unique per Indice, nested indexes numbering on their own', () => {
    const unique = all('unique')[0]!;
    expect(unique.parentNode && (unique.parentNode as Element).getAttribute('name')).toBe('Indice');
    expect(unique.getElementsByTagNameNS(XS, 'selector')[0]!.getAttribute('xpath')).toBe('le:Documento|le:Enlace|le:Expediente');
    expect(unique.getElementsByTagNameNS(XS, 'field')[0]!.getAttribute('xpath')).toBe('@orden');
  });
});

describe('nesting depth', () => {
  const nested = (levels: number): CaseFileIndex => {
    let index = emptyIndex();
    for (let i = 0; i < levels; i++) index = { ...emptyIndex(), entries: [nestedEntry(1, index)] };
    return index;
  };

  it(`builds and reads ${MAX_NESTING} levels of nested case files and refuses one more`, () => {
    const deepest = nested(MAX_NESTING);
    const xml = buildCaseFileXml(deepest);
    expect(parseCaseFileXml(xml)).toStrictEqual(deepest);
    expect(() => buildCaseFileXml(nested(MAX_NESTING + 1))).toThrow(`expedientes anidados a más de ${MAX_NESTING} niveles`);

    // The same one level deeper, written by hand since the builder refuses it.
    const meta = /<Metadatos>[\s\S]*?<\/Metadatos>/.exec(xml)![0];
    const entry = `<Expediente orden="1"><FechaIncorporacion>2026-11-24T10:00:00Z</FechaIncorporacion><IncorporadoPor>s</IncorporadoPor><VersionIndice>1</VersionIndice><Huella algoritmo="http://www.w3.org/2001/04/xmlenc#sha256">${HASH_A}</Huella><Folios primero="1" ultimo="1"/>${meta}`;
    const levels = MAX_NESTING + 1;
    const tooDeep = `<Expediente xmlns="${CASE_FILE_NS}" versionEsquema="1.0">${meta}${`<Indice fechaGeneracion="2026-11-24T10:00:00Z">${entry}`.repeat(levels)}<Indice fechaGeneracion="2026-11-24T10:00:00Z"/>${'</Expediente></Indice>'.repeat(levels)}</Expediente>`;
    expect(() => parseCaseFileXml(tooDeep)).toThrow(`expedientes anidados a más de ${MAX_NESTING} niveles`);
  });
});
