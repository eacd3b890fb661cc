import { describe, expect, it } from 'vitest';
import { buildCaseFileXml, CASE_FILE_NS } from '../../../standards/caseFile/caseFileXml.ts';
import type { CaseFileIndex } from '../../../standards/caseFile/CaseFileIndex.ts';
import { CaseFileXmlError, parseCaseFileXml } from '../../../standards/caseFile/parseCaseFileXml.ts';
import { itWithReferee } from '../../helpers/referee.ts';
import { documentEntry, emptyIndex, linkEntry, metadata, nestedEntry, richIndex, xmllint } from './fixtures.ts';

const TRICKY = 'A & B < C > D "comillas" \'apóstrofo\' ñandú Ñuñoa áéíóú ü 😀👩🏽‍⚖️ ]]> &amp; \t tab\nlínea\r\nCRLF\rCR\u0085NEL\u2028LS  ';

function trickyIndex(): CaseFileIndex {
  const index = emptyIndex();
  index.metadata = metadata('EXP-&<>"', { MGDEE1_5: TRICKY, MGDEE2_2: 'Asunto "entre comillas" & más', MGDEE52: [{ relation: 1, actorType: 4, id: '12345678-5', name: 'José Ñúñez 😀' }] });
  index.entries = [
    documentEntry(1, { title: TRICKY, addedBy: 'u-<1>', fields: { MGDDE1_6: TRICKY, MGDDE3_2: ['ñ', '<&>', ' espacios '], MGDDE8_4: [{ name: TRICKY }] } }),
    linkEntry(2, { uri: 'https://example.gob.cl/a?x=1&y=<2>#ñ', description: TRICKY, removed: { at: new Date(0), by: '"quien"', reason: TRICKY } }),
  ];
  return index;
}

function errorOf(fn: () => unknown): CaseFileXmlError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CaseFileXmlError) return e;
    throw e;
  }
  throw new Error('no lanzó CaseFileXmlError');
}

describe('buildCaseFileXml', () => {
  it('writes an XML declaration, the namespace and no signature', () => {
    const xml = buildCaseFileXml(emptyIndex());
    expect(CASE_FILE_NS).toBe('urn:legajo:expediente:1.0');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Expediente xmlns="urn:legajo:expediente:1.0" versionEsquema="1.0">\n')).toBe(true);
    expect(xml).toContain('<Indice fechaGeneracion="2026-11-24T10:00:00.000Z">\n  </Indice>');
    expect(xml).not.toContain('Signature');
    expect(xml.endsWith('</Expediente>\n')).toBe(true);
  });

  it('writes dates held as Date in UTC with milliseconds and metadata dates as recorded', () => {
    const index = { ...emptyIndex(), indexVersion: 2, generatedAt: new Date('2026-11-24T07:00:00-03:00') };
    index.metadata.MGDEE3_1 = '2026-11-20T10:00:00-03:00';
    const xml = buildCaseFileXml(index);
    expect(xml).toContain('<Indice version="2" fechaGeneracion="2026-11-24T10:00:00.000Z">');
    expect(xml).toContain('<MGDEE3_1>2026-11-20T10:00:00-03:00</MGDEE3_1>');
  });

  it('gives the same bytes for the same index, whatever the key order of its objects', () => {
    const a = richIndex();
    const b = richIndex();
    const doc = b.entries[0]!;
    if (doc.kind !== 'document') throw new Error('fixture');
    doc.fields = Object.fromEntries(Object.entries(doc.fields).reverse());
    b.metadata = Object.fromEntries(Object.entries(b.metadata).reverse()) as typeof b.metadata;
    expect(buildCaseFileXml(b)).toBe(buildCaseFileXml(a));
  });

  it('gives each entry an Id derived from its orders, unique through nested case files', () => {
    const xml = buildCaseFileXml(richIndex());
    const ids = [...xml.matchAll(/ Id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['entrada-1', 'entrada-2', 'entrada-3', 'entrada-4', 'entrada-4.1', 'entrada-4.2', 'entrada-4.2.1', 'entrada-4.2.2', 'entrada-5']);
  });

  it('escapes markup and keeps CR, NEL, LS, tabs and trailing spaces so they read back', () => {
    const index = trickyIndex();
    const xml = buildCaseFileXml(index);
    expect(xml).toContain('<Titulo>A &amp; B &lt; C &gt; D "comillas" \'apóstrofo\' ñandú Ñuñoa áéíóú ü 😀👩🏽‍⚖️ ]]&gt; &amp;amp; \t tab\nlínea&#13;\nCRLF&#13;CR&#133;NEL&#8232;LS  </Titulo>');
    expect(xml).toContain('<IncorporadoPor>u-&lt;1&gt;</IncorporadoPor>');
    expect(xml).toContain('<Uri>https://example.gob.cl/a?x=1&amp;y=&lt;2&gt;#ñ</Uri>');
    expect(parseCaseFileXml(xml)).toStrictEqual(index);
  });

  it('refuses characters XML 1.0 cannot carry instead of dropping them, naming the field', () => {
    for (const bad of ['\u0000', '\u0001', '\u001f', '\uFFFE', '\uFFFF', '\uD800', 'x\uDC00y']) {
      const index = emptyIndex();
      index.metadata.MGDEE1_5 = `título ${bad}`;
      const e = errorOf(() => buildCaseFileXml(index));
      expect(e.message).toMatch(/^index\.metadata\.MGDEE1_5: contiene el carácter U\+[0-9A-F]{4}, que XML 1\.0 no admite$/);
    }
    const index = richIndex();
    index.entries[1] = linkEntry(2, { description: 'a\u0007b' });
    expect(errorOf(() => buildCaseFileXml(index)).message).toBe('index.entries[1].description: contiene el carácter U+0007, que XML 1.0 no admite');
  });

  it('refuses what the parser could not read back equal, saying where and why', () => {
    const cases: [(i: CaseFileIndex) => void, string][] = [
      [(i) => (i.entries = [documentEntry(1, { sha256: 'A'.repeat(64) })]), 'index.entries[0].sha256: debe ser 64 dígitos hexadecimales en minúscula (SHA-256)'],
      [(i) => (i.entries = [documentEntry(1), documentEntry(1)]), 'index.entries[1].order: orden 1 repetido en el mismo índice'],
      [(i) => (i.entries = [documentEntry(0)]), 'index.entries[0].order: debe ser un entero mayor o igual que 1'],
      [(i) => (i.entries = [documentEntry(1, { size: 1.5 })]), 'index.entries[0].size: debe ser un entero mayor o igual que 0'],
      [(i) => (i.entries = [linkEntry(1, { uri: 'ftp://example.gob.cl/x' })]), 'index.entries[0].uri: debe ser un URI http:// o https:// sin espacios'],
      [(i) => (i.entries = [documentEntry(1, { incorporatedAt: new Date(Number.NaN) })]), 'index.entries[0].incorporatedAt: debe ser una fecha y hora ISO 8601 con zona horaria, p. ej. 2026-11-24T10:00:00.000Z'],
      [(i) => (i.entries = [documentEntry(1, { title: '' })]), 'index.entries[0].title: debe ser un texto no vacío'],
      [(i) => (i.entries = [documentEntry(1, { fields: { MGDDE99: 'x' } })]), 'index.entries[0].fields.MGDDE99: campo desconocido; el XML del expediente no tiene dónde llevarlo'],
      [(i) => (i.entries = [documentEntry(1, { fields: { MGDDE5_1: '36' } })]), 'index.entries[0].fields.MGDDE5_1: debe ser un entero entre 1 y 42'],
      [(i) => (i.entries = [documentEntry(1, { fields: { MGDDE3_2: 'una' } })]), 'index.entries[0].fields.MGDDE3_2: debe ser una lista'],
      [(i) => (i.entries = [documentEntry(1, { fields: { MGDDE3_2: [''] } })]), 'index.entries[0].fields.MGDDE3_2[0]: debe ser un texto no vacío'],
      [(i) => (i.entries = [documentEntry(1, { fields: { MGDDE62: [{ relation: 1, actorType: 1, id: '1-9', name: 'x', extra: 1 }] } })]), 'index.entries[0].fields.MGDDE62[0].extra: campo desconocido; el XML del expediente no tiene dónde llevarlo'],
      [(i) => (i.entries = [documentEntry(1, { fields: { MGDDE4_1: '2026-02-30T10:00:00Z' } })]), 'index.entries[0].fields.MGDDE4_1: debe ser una fecha y hora ISO 8601 con zona horaria, p. ej. 2026-11-24T10:00:00.000Z'],
      [(i) => (i.metadata.MGDEE6_1 = 5), 'index.metadata.MGDEE6_1: debe ser un entero entre 1 y 4'],
      [(i) => (i.metadata.MGDEE52 = []), 'index.metadata.MGDEE52: debe ser una lista de al menos 1 elemento'],
      [(i) => ((i.metadata as unknown as Record<string, unknown>).MGDEE53_1 = 'x'), 'index.metadata.MGDEE53_1: campo desconocido; el XML del expediente no tiene dónde llevarlo'],
      [(i) => (i.entries = [{ ...linkEntry(1), kind: 'otro' } as unknown as CaseFileIndex['entries'][number]]), 'index.entries[0].kind: clase de entrada desconocida «otro»; se esperaba document, link o case-file'],
      [(i) => (i.entries = [nestedEntry(1, { ...emptyIndex(), entries: [documentEntry(1, { version: 0 })] })]), 'index.entries[0].index.entries[0].version: debe ser un entero mayor o igual que 1'],
    ];
    for (const [change, message] of cases) {
      const index = emptyIndex();
      change(index);
      expect(errorOf(() => buildCaseFileXml(index)).message).toBe(message);
    }
  });

  it('leaves out optional values that are undefined', () => {
    const index = emptyIndex();
    index.metadata.MGDEE3_2 = undefined;
    index.entries = [documentEntry(1, { packagePath: undefined, fields: { MGDDE1_8: undefined } })];
    const xml = buildCaseFileXml(index);
    expect(xml).not.toContain('MGDEE3_2');
    expect(xml).not.toContain('<Ruta>');
    expect(xml).not.toContain('<Metadato ');
  });
});

describe('legajo-expediente-1.0.xsd judges the builder (xmllint)', () => {
  itWithReferee('xmllint', 'accepts an empty working index', () => {
    const result = xmllint(buildCaseFileXml(emptyIndex()));
    expect(result.output).toContain('validates');
    expect(result.ok).toBe(true);
  });

  itWithReferee('xmllint', 'accepts documents, links, two levels of nested case files, removed entries and tricky characters', () => {
    const result = xmllint(buildCaseFileXml(richIndex()), buildCaseFileXml(trickyIndex()));
    expect(result.output).not.toContain('fails');
    expect(result.ok).toBe(true);
  });

  itWithReferee(
    'xmllint',
    'accepts an index of 10,000 entries, which reads back equal',
    () => {
      const index = emptyIndex();
      index.indexVersion = 1;
      index.entries = Array.from({ length: 10_000 }, (_, i) => (i % 10 === 9 ? linkEntry(i + 1) : documentEntry(i + 1)));
      const xml = buildCaseFileXml(index);
      const result = xmllint(xml);
      expect(result.ok, result.output.slice(0, 2000)).toBe(true);
      expect(parseCaseFileXml(xml)).toStrictEqual(index);
    },
    120_000,
  );
});
