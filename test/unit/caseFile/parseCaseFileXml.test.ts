import { generateKeyPairSync } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { describe, expect, it } from 'vitest';
import { buildCaseFileXml } from '../../../standards/caseFile/caseFileXml.ts';
import { CaseFileXmlError, parseCaseFileXml } from '../../../standards/caseFile/parseCaseFileXml.ts';
import { XmlRejectedError } from '../../../standards/xml/parseXmlSafely.ts';
import { itWithReferee } from '../../helpers/referee.ts';
import { documentEntry, emptyIndex, HASH_A, linkEntry, richIndex, xmllint } from './fixtures.ts';

function errorOf(xml: string, options?: { maxLength?: number }): CaseFileXmlError {
  try {
    parseCaseFileXml(xml, options);
  } catch (e) {
    if (e instanceof CaseFileXmlError) return e;
    throw e;
  }
  throw new Error('no lanzó CaseFileXmlError');
}

/** The built rich index with one textual change, which must be present. */
function richWith(from: string | RegExp, to: string): string {
  const xml = buildCaseFileXml(richIndex());
  const changed = xml.replace(from, to);
  if (changed === xml) throw new Error(`el XML no contiene ${String(from)}`);
  return changed;
}

/** Seals as legajo does: enveloped RSA-SHA256 signature over the whole document, appended to the root. */
function seal(xml: string): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signer = new SignedXml({
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  signer.addReference({
    xpath: '/*',
    isEmptyUri: true,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signer.computeSignature(xml, { prefix: 'ds', location: { reference: '/*', action: 'append' } });
  return signer.getSignedXml();
}

const ROOT_OPEN = '<Expediente xmlns="urn:legajo:expediente:1.0" versionEsquema="1.0">';

describe('parseCaseFileXml', () => {
  it('reads back what the builder wrote: empty, rich, nested and removed entries', () => {
    for (const index of [emptyIndex(), richIndex()]) expect(parseCaseFileXml(buildCaseFileXml(index))).toStrictEqual(index);
  });

  it('ignores an enveloped XML signature appended as last child of the root', () => {
    const sealed = seal(buildCaseFileXml(richIndex()));
    expect(sealed).toMatch(/<\/ds:Signature>\s*<\/Expediente>\s*$/);
    expect(parseCaseFileXml(sealed)).toStrictEqual(richIndex());
  });

  itWithReferee('xmllint', 'the XSD accepts the sealed XML offline, the signature processed lax', () => {
    const result = xmllint(seal(buildCaseFileXml(richIndex())));
    expect(result.ok, result.output).toBe(true);
  });

  it('reads what another producer may write: other prefixes, CDATA, comments, offsets and padded numbers', () => {
    const xml = buildCaseFileXml(richIndex())
      .replace(ROOT_OPEN, '<le:Expediente xmlns:le="urn:legajo:expediente:1.0" versionEsquema="1.0">')
      .replace('</Expediente>\n', '</le:Expediente>\n')
      .replace(/<(\/?)(?=[A-Z])/g, '<$1le:')
      .replace('<le:Titulo>Documento 5</le:Titulo>', '<le:Titulo><![CDATA[Documento]]><!-- nota --> 5</le:Titulo>')
      .replace('<le:Version>1</le:Version>', '<le:Version> 01 </le:Version>')
      .replace('fechaGeneracion="2026-11-24T10:59:00.000Z"', 'fechaGeneracion="2026-11-24T07:59:00-03:00"');
    expect(xml).toContain('<le:Expediente xmlns:le="urn:legajo:expediente:1.0" versionEsquema="1.0">\n  <le:Metadatos>');
    expect(parseCaseFileXml(xml)).toStrictEqual(richIndex());
  });

  describe('refuses hostile XML before parsing it', () => {
    it('an external entity (XXE)', () => {
      const xml = `<?xml version="1.0"?>\n<!DOCTYPE Expediente [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${ROOT_OPEN}<Metadatos><MGDEE1_1>&xxe;</MGDEE1_1></Metadatos></Expediente>`;
      const e = errorOf(xml);
      expect(e.message).toMatch(/^\/: El XML trae una declaración DOCTYPE o ENTITY; no se aceptan/);
      expect(e.cause).toBeInstanceOf(XmlRejectedError);
    });

    it('entity expansion (billion laughs)', () => {
      const entities = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
      const xml = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${entities}]><Expediente>&lol9;</Expediente>`;
      expect(errorOf(xml).message).toContain('DOCTYPE o ENTITY');
    });

    it('a bare DOCTYPE, in any case', () => {
      expect(errorOf(`<!doctype Expediente>${ROOT_OPEN}</Expediente>`).message).toContain('DOCTYPE');
    });

    it('a text longer than maxLength', () => {
      const xml = buildCaseFileXml(emptyIndex());
      expect(errorOf(xml, { maxLength: 100 }).message).toBe('/: El XML supera 100 caracteres.');
      expect(parseCaseFileXml(xml, { maxLength: xml.length })).toStrictEqual(emptyIndex());
    });

    it('malformed XML', () => {
      expect(errorOf(`${ROOT_OPEN}<Metadatos></Expediente>`).message).toMatch(/^\/: El XML está mal formado: /);
    });
  });

  it('refuses a root outside legajo’s namespace or of another name', () => {
    const xml = buildCaseFileXml(emptyIndex());
    expect(errorOf(xml.replace('urn:legajo:expediente:1.0', 'urn:legajo:expediente:2.0')).message).toBe(
      '/Expediente: el elemento raíz debe ser Expediente del espacio de nombres urn:legajo:expediente:1.0; se encontró Expediente del espacio de nombres urn:legajo:expediente:2.0',
    );
    expect(errorOf(xml.replace(' xmlns="urn:legajo:expediente:1.0"', '')).message).toBe(
      '/Expediente: el elemento raíz debe ser Expediente del espacio de nombres urn:legajo:expediente:1.0; se encontró Expediente sin espacio de nombres',
    );
    expect(errorOf('<Indice xmlns="urn:legajo:expediente:1.0"/>').message).toMatch(/^\/Indice: el elemento raíz debe ser Expediente/);
    expect(errorOf(xml.replace('versionEsquema="1.0"', 'versionEsquema="1.1"')).message).toBe('/Expediente/@versionEsquema: versión «1.1» no soportada; se esperaba 1.0');
  });

  it('refuses structural faults, naming the element or attribute', () => {
    const cases: [string | RegExp, string, string][] = [
      // element from another namespace in the middle of the sequence
      ['<Titulo>Documento 5</Titulo>', '<Titulo xmlns="urn:otro">Documento 5</Titulo>', '/Expediente/Indice/Documento[2]/Titulo: el elemento Titulo debe estar en el espacio de nombres urn:legajo:expediente:1.0; está en urn:otro'],
      ['<Titulo>Documento 5</Titulo>', '', '/Expediente/Indice/Documento[2]: falta el elemento obligatorio Titulo; en su lugar viene TipoMedio'],
      ['<MGDEE1_5>Solicitud de permiso de edificación</MGDEE1_5>\n    <MGDEE2_1>', '<MGDEE2_1>', '/Expediente/Metadatos: falta el elemento obligatorio MGDEE1_5; en su lugar viene MGDEE2_1'],
      ['<Tamano>5120</Tamano>', '<Tamano>5 KB</Tamano>', '/Expediente/Indice/Documento[2]/Tamano: valor «5 KB» inválido: se esperaba un entero mayor o igual que 0'],
      ['<Tamano>5120</Tamano>', '<Tamano>99999999999999999999</Tamano>', '/Expediente/Indice/Documento[2]/Tamano: valor «99999999999999999999» inválido: se esperaba un entero mayor o igual que 0'],
      [/<Huella algoritmo="[^"]+">a{64}<\/Huella>\n {6}<Folios primero="5"/, `<Huella algoritmo="http://www.w3.org/2001/04/xmlenc#sha256">${'A'.repeat(64)}</Huella><Folios primero="5"`, `/Expediente/Indice/Documento[2]/Huella: valor «${'A'.repeat(60)}…» inválido: se esperaba 64 dígitos hexadecimales en minúscula (SHA-256)`],
      ['<Huella algoritmo="http://www.w3.org/2001/04/xmlenc#sha256">aaaa', '<Huella algoritmo="http://www.w3.org/2000/09/xmldsig#sha1">aaaa', '/Expediente/Indice/Documento[1]/Huella/@algoritmo: algoritmo «http://www.w3.org/2000/09/xmldsig#sha1» no admitido; se esperaba http://www.w3.org/2001/04/xmlenc#sha256'],
      ['<Enlace orden="2" Id="entrada-2">', '<Enlace orden="1" Id="entrada-2">', '/Expediente/Indice/Enlace[1]/@orden: orden 1 repetido en el mismo índice'],
      ['<Enlace orden="2" Id="entrada-2">', '<Enlace Id="entrada-2">', '/Expediente/Indice/Enlace[1]/@orden: falta el atributo obligatorio'],
      ['<Enlace orden="2" Id="entrada-2">', '<Enlace orden="2" id="x">', '/Expediente/Indice/Enlace[1]/@id: atributo inesperado'],
      ['<Uri>https://repositorio.example.gob.cl/handle/20.500.13034/401</Uri>', '<Uri>file:///etc/passwd</Uri>', '/Expediente/Indice/Enlace[1]/Uri: valor «file:///etc/passwd» inválido: se esperaba un URI http:// o https:// sin espacios'],
      [/<Documento orden="5" Id="entrada-5">[\s\S]*?<\/Documento>/, '<Oficio orden="5"/>', '/Expediente/Indice/Oficio: elemento inesperado Oficio: el índice solo lleva Documento, Enlace o Expediente'],
      ['</Documento>\n  </Indice>', '<Extra/></Documento>\n  </Indice>', '/Expediente/Indice/Documento[2]/Extra: elemento inesperado Extra'],
      ['</Indice>\n</Expediente>', '</Indice>\n<Firma/></Expediente>', '/Expediente/Firma: elemento inesperado Firma'],
      ['<Metadato codigo="MGDDE5_1">36</Metadato>', '<Metadato codigo="MGDDE5_1">36</Metadato><Metadato codigo="MGDDE5_1">15</Metadato>', '/Expediente/Indice/Documento[1]/Metadato[8]: MGDDE5_1 repetido: lleva un solo valor'],
      ['<Metadato codigo="MGDDE5_1">36</Metadato>', '<Metadato codigo="MGDDE5_9">36</Metadato>', '/Expediente/Indice/Documento[1]/Metadato[7]/@codigo: código «MGDDE5_9» desconocido; se esperaba un código MGDDE de la guía de metadatos'],
      ['<Metadato codigo="MGDDE5_1">36</Metadato>', '<Metadato codigo="MGDDE5_1">43</Metadato>', '/Expediente/Indice/Documento[1]/Metadato[7]: valor «43» inválido: se esperaba un entero entre 1 y 42'],
      ['<Relacion>2</Relacion>', '<Relacion>7</Relacion>', '/Expediente/Indice/Documento[1]/Metadato[10]/Actor/Relacion: valor «7» inválido: se esperaba un entero entre 1 y 6'],
      ['<MGDEE6_1>1</MGDEE6_1>', '<MGDEE6_1>5</MGDEE6_1>', '/Expediente/Metadatos/MGDEE6_1: valor «5» inválido: se esperaba un entero entre 1 y 4'],
      ['<MGDEE3_1>2026-11-20T10:00:00Z</MGDEE3_1>', '<MGDEE3_1>2026-11-20T10:00:00</MGDEE3_1>', '/Expediente/Metadatos/MGDEE3_1: valor «2026-11-20T10:00:00» inválido: se esperaba una fecha y hora ISO 8601 con zona horaria, p. ej. 2026-11-24T10:00:00.000Z'],
      ['<MGDEE1_4>cerrado</MGDEE1_4>', '<MGDEE1_4>archivado</MGDEE1_4>', '/Expediente/Metadatos/MGDEE1_4: valor «archivado» inválido: se esperaba uno de: abierto, cerrado, recibido, transferido'],
      [/<MGDEE52>[\s\S]*?<\/MGDEE52>/, '', '/Expediente/Metadatos: falta el elemento obligatorio MGDEE52; en su lugar viene MGDEE6_1'],
      ['<Folios primero="5" ultimo="5"/>', '<Folios primero="5"/>', '/Expediente/Indice/Documento[2]/Folios/@ultimo: falta el atributo obligatorio'],
      ['<Folios primero="5" ultimo="5"/>', '<Folios primero="0" ultimo="5"/>', '/Expediente/Indice/Documento[2]/Folios/@primero: valor «0» inválido: se esperaba un entero mayor o igual que 1'],
      ['<Indice version="3"', '<Indice version="tres"', '/Expediente/Indice/@version: valor «tres» inválido: se esperaba un entero mayor o igual que 1'],
      ['<Motivo>Duplicado</Motivo>', '<Motivo>Duplicado<b/></Motivo>', '/Expediente/Indice/Expediente/Indice/Documento/Retirado/Motivo: elemento inesperado b: aquí solo va texto'],
      ['<Metadatos>', '<Metadatos>texto suelto', '/Expediente/Metadatos: texto inesperado «texto suelto\n    »: aquí solo van elementos'],
      ['<MGDEE1_5>Solicitud', '<MGDEE1_5>&#1;Solicitud', '/Expediente/Metadatos/MGDEE1_5: contiene el carácter U+0001, que XML 1.0 no admite'],
      ['<Metadato codigo="MGDDE62"/>', '<Metadato codigo="MGDDE62"> </Metadato>', '/Expediente/Indice/Documento[2]/Metadato[1]: falta el elemento obligatorio Actor'],
      ['<Metadato codigo="MGDDE3_2">permiso</Metadato>', '<Metadato codigo="MGDDE3_2"></Metadato>', '/Expediente/Indice/Documento[1]/Metadato[4]: valor «» inválido: se esperaba un texto no vacío'],
    ];
    for (const [from, to, message] of cases) expect(errorOf(richWith(from, to)).message, message).toBe(message);
  });

  it('reads one empty Metadato as an empty list and repeated ones as list items', () => {
    const index = emptyIndex();
    index.entries = [documentEntry(1, { fields: { MGDDE3_2: ['uno'], MGDDE62: [], MGDDE8_4: [{ name: 'A' }] } })];
    expect(parseCaseFileXml(buildCaseFileXml(index))).toStrictEqual(index);
  });

  it('gives a link without a hash sha256 null and an entry without Retirado removed null', () => {
    const index = emptyIndex();
    index.entries = [linkEntry(1), linkEntry(2, { sha256: HASH_A })];
    const back = parseCaseFileXml(buildCaseFileXml(index));
    expect(back.entries.map((e) => [e.removed, e.kind === 'link' && e.sha256])).toEqual([
      [null, null],
      [null, HASH_A],
    ]);
  });
});

describe('the XSD and the parser refuse the same faults (xmllint)', () => {
  const faults: [string, string | RegExp, string, RegExp][] = [
    ['a repeated orden within one Indice', '<Enlace orden="2" Id="entrada-2">', '<Enlace orden="1" Id="entrada-2">', /Duplicate key-sequence \['1'\] in unique identity-constraint/],
    ['a malformed sha256', `>${HASH_A}</Huella>`, `>${HASH_A.slice(1)}</Huella>`, /Huella.*not accepted by the pattern '\[0-9a-f\]\{64\}'/],
    ['an upper-case sha256', `>${HASH_A}</Huella>`, `>${HASH_A.toUpperCase()}</Huella>`, /not accepted by the pattern/],
    ['a non-http URI in Enlace', '<Uri>https://repositorio.example.gob.cl/handle/20.500.13034/401</Uri>', '<Uri>ftp://repositorio.example.gob.cl/x</Uri>', /Uri.*not accepted by the pattern/],
    ['a document without its title', '<Titulo>Documento 5</Titulo>', '', /Element '\{urn:legajo:expediente:1\.0\}TipoMedio': This element is not expected\. Expected is \( \{urn:legajo:expediente:1\.0\}Titulo \)/],
    ['a case file without its title (MGDEE1_5)', /<MGDEE1_5>[^<]*<\/MGDEE1_5>/, '', /Expected is \( \{urn:legajo:expediente:1\.0\}MGDEE1_5 \)/],
    ['an access level out of range', '<MGDEE6_1>1</MGDEE6_1>', '<MGDEE6_1>5</MGDEE6_1>', /MGDEE6_1.*maximum value/],
    ['a date without time zone', '<FechaIncorporacion>2026-11-24T10:01:00.000Z</FechaIncorporacion>', '<FechaIncorporacion>2026-11-24T10:01:00.000</FechaIncorporacion>', /FechaIncorporacion.*not accepted by the pattern/],
    ['another algorithm', 'algoritmo="http://www.w3.org/2001/04/xmlenc#sha256"', 'algoritmo="http://www.w3.org/2000/09/xmldsig#sha1"', /algoritmo.*fixed value constraint/],
    ['an unknown MGDDE code', '<Metadato codigo="MGDDE5_1">', '<Metadato codigo="MGDDE5_9">', /codigo.*not an element of the set/],
    ['an element of another namespace after Indice', '</Indice>\n</Expediente>', '</Indice>\n<x:Otro xmlns:x="urn:otro"/></Expediente>', /Otro': This element is not expected/],
  ];

  for (const [name, from, to, complaint] of faults) {
    itWithReferee('xmllint', `rejects ${name}`, () => {
      const xml = richWith(from, to);
      const result = xmllint(xml);
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(complaint);
      expect(() => parseCaseFileXml(xml)).toThrow(CaseFileXmlError);
    });
  }
});
