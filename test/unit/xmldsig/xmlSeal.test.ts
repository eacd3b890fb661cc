import { generateKeyPairSync, sign } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { issueCertificate } from '../../../server/features/signing/issueCertificate.ts';
import type { XmlSealKey } from '../../../standards/xmldsig/XmlSealKey.ts';
import { sealXml } from '../../../standards/xmldsig/sealXml.ts';
import { verifyXmlSeal } from '../../../standards/xmldsig/verifyXmlSeal.ts';
import { AGENCY, devSigners } from '../../signing/devSigners.ts';
import { EX, INDEX } from './sampleIndex.ts';

const FIRST = '<ex:documento orden="1">Oficio N° 15 &amp; anexo</ex:documento>';
const SECOND = '<ex:documento orden="2">Resolución exenta N° 42</ex:documento>';
const INDEX_ELEMENT = /<ex:indice Id="indice-v1">[\s\S]*?<\/ex:indice>/;
const BY_ID = { reference: { id: 'indice-v1' }, placeInside: { localName: 'firmas', namespaceUri: EX } } as const;

let key: XmlSealKey;
let anchors: string[];
let forger: XmlSealKey;

beforeAll(async () => {
  const { dev, seal } = await devSigners();
  key = seal.xmlSealKey();
  anchors = [dev.rootCertificatePem];
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const certificate = issueCertificate({
    subject: { commonName: AGENCY, organization: AGENCY },
    publicKey,
    signingKey: privateKey,
    kind: 'signer',
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 86_400_000),
  });
  forger = { sign: (data) => sign('sha256', data, privateKey), certificates: [certificate] };
});

/** Replaces text that must occur exactly once, so a test never passes by tampering with nothing. */
function tamper(xml: string, from: string | RegExp, to: string | ((match: string) => string)): string {
  const count = typeof from === 'string' ? xml.split(from).length - 1 : (xml.match(new RegExp(from, 'g')) ?? []).length;
  expect(count, `«${String(from)}» debe aparecer una vez`).toBe(1);
  return typeof to === 'string' ? xml.replace(from, () => to) : xml.replace(from, to);
}

function signatureElement(xml: string): string {
  return /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(xml)![0];
}

function transformsOf(xml: string): string[] {
  return [...xml.matchAll(/<ds:Transform Algorithm="([^"]+)"/g)].map((m) => m[1]!);
}

describe('sellar y verificar', () => {
  it('sella el documento completo: firma envolvente al final de la raíz, con la cadena en KeyInfo', () => {
    const sealed = sealXml(INDEX, key, { reference: 'document', signatureId: 'sello-indice' });
    const doc = new DOMParser().parseFromString(sealed, 'application/xml');
    const last = doc.documentElement!.lastChild as unknown as Element;
    expect(last.localName).toBe('Signature');
    expect(last.getAttribute('Id')).toBe('sello-indice');
    expect(sealed).toContain('<ds:Reference URI="">');
    expect(transformsOf(sealed)).toEqual(['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#']);
    expect(sealed).toContain('Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"');
    expect(sealed).toContain('<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>');
    expect(sealed.match(/<ds:X509Certificate>/g)).toHaveLength(key.certificates.length);
    expect(sealed.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);

    const report = verifyXmlSeal(sealed, anchors, { expectReference: 'document' });
    expect(report).toMatchObject({ valid: true, signatureValid: true, referencesValid: true, trusted: true, problems: [] });
    expect(report.signer).toMatchObject({ commonName: `${AGENCY} (sello electrónico)`, subject: expect.stringContaining(`O=${AGENCY}`) });
    expect(report.signer!.serialNumber).toMatch(/^[0-9a-f]+$/);
    expect(report.signedAt).toBeUndefined();
  });

  it('sella un elemento por su Id: sin transformación envolvente si la firma queda fuera de él', () => {
    const sealed = sealXml(INDEX, key, BY_ID);
    expect(sealed).toContain('<ds:Reference URI="#indice-v1">');
    expect(transformsOf(sealed)).toEqual(['http://www.w3.org/2001/10/xml-exc-c14n#']);
    expect(sealed).toMatch(/<ex:firmas><ds:Signature [^>]*>[\s\S]*<\/ds:Signature><\/ex:firmas>/);
    expect(verifyXmlSeal(sealed, anchors, { expectReference: { id: 'indice-v1' } })).toMatchObject({ valid: true, problems: [] });
    // Without an expectation, either reference form is accepted.
    expect(verifyXmlSeal(sealed, anchors).valid).toBe(true);
  });

  it('sella un elemento por su Id con la firma dentro de él: agrega la transformación envolvente', () => {
    const sealed = sealXml(INDEX, key, { reference: { id: 'indice-v1' }, placeInside: { localName: 'indice', namespaceUri: EX } });
    expect(transformsOf(sealed)).toEqual(['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#']);
    expect(verifyXmlSeal(sealed, anchors, { expectReference: { id: 'indice-v1' } })).toMatchObject({ valid: true, problems: [] });
  });

  it('ubica la firma en un elemento sin espacio de nombres', () => {
    const sealed = sealXml('<raiz><datos Id="d1">x</datos><firmas/></raiz>', key, { reference: 'document', placeInside: { localName: 'firmas', namespaceUri: '' } });
    expect(sealed).toMatch(/<firmas><ds:Signature/);
    expect(verifyXmlSeal(sealed, anchors, { expectReference: 'document' }).valid).toBe(true);
  });

  it('rechaza sellar lo que no se puede sellar como se pidió', () => {
    expect(() => sealXml(INDEX, key, { reference: { id: 'no-existe' } })).toThrow(/exactamente un elemento con Id="no-existe" y hay 0/);
    const twice = INDEX.replace('<ex:firmas/>', '<ex:firmas Id="indice-v1"/>');
    expect(() => sealXml(twice, key, { reference: { id: 'indice-v1' } })).toThrow(/hay 2/);
    expect(() => sealXml(INDEX, key, { reference: 'document', placeInside: { localName: 'otro', namespaceUri: EX } })).toThrow(/No hay un elemento/);
    expect(() => sealXml(INDEX, key, { reference: 'document', signatureId: 'indice-v1' })).toThrow(/ya lo usa otro elemento/);
    expect(() => sealXml(sealXml(INDEX, key, { reference: 'document' }), key, { reference: 'document' })).toThrow(/ya contiene una firma/);
    expect(() => sealXml(INDEX.replace('<ex:expediente', '<?xml-stylesheet href="x.xsl"?><ex:expediente'), key, { reference: 'document' })).toThrow(/xml-stylesheet/);
  });

  it('un certificado fuera de vigencia en la fecha pedida invalida el sello', () => {
    const sealed = sealXml(INDEX, key, { reference: 'document' });
    const report = verifyXmlSeal(sealed, anchors, { at: new Date('2100-01-01T00:00:00Z') });
    expect(report).toMatchObject({ valid: false, signatureValid: true, referencesValid: true, trusted: true });
    expect(report.problems.join('\n')).toMatch(/no era válido en la fecha de firma 2100-01-01/);
  });

  it('sin anclas de confianza no hay cadena confiable', () => {
    const report = verifyXmlSeal(sealXml(INDEX, key, { reference: 'document' }), []);
    expect(report).toMatchObject({ valid: false, signatureValid: true, referencesValid: true, trusted: false });
    expect(report.problems).toEqual([expect.stringMatching(/No hay anclas de confianza/)]);
  });
});

describe('manipulaciones detectadas, cada una con su causa', () => {
  let byDocument: string;
  let byId: string;

  beforeAll(() => {
    byDocument = sealXml(INDEX, key, { reference: 'document' });
    byId = sealXml(INDEX, key, BY_ID);
  });

  function expectDigestMismatch(xml: string, uri: string, expectReference: 'document' | { id: string }) {
    const report = verifyXmlSeal(xml, anchors, { expectReference });
    expect(report).toMatchObject({ valid: false, signatureValid: true, referencesValid: false, trusted: true });
    expect(report.problems).toHaveLength(1);
    const match = /^El resumen de la referencia (.+) no coincide: la firma declara (\S+) y el contenido actual da (\S+);/.exec(report.problems[0]!);
    expect(match?.[1]).toBe(uri);
    expect(match?.[2]).not.toBe(match?.[3]);
  }

  it('texto cambiado', () => {
    expectDigestMismatch(tamper(byDocument, 'Oficio N° 15', 'Oficio N° 16'), 'URI="" (documento completo)', 'document');
  });

  it('atributo cambiado', () => {
    expectDigestMismatch(tamper(byId, 'orden="2"', 'orden="3"'), 'URI="#indice-v1"', { id: 'indice-v1' });
  });

  it('elementos reordenados', () => {
    const swapped = tamper(byId, `${FIRST}\n    ${SECOND}`, `${SECOND}\n    ${FIRST}`);
    expectDigestMismatch(swapped, 'URI="#indice-v1"', { id: 'indice-v1' });
  });

  it('elemento eliminado', () => {
    expectDigestMismatch(tamper(byDocument, SECOND, ''), 'URI="" (documento completo)', 'document');
  });

  it('valor de firma alterado', () => {
    const altered = tamper(byDocument, /<ds:SignatureValue>[A-Za-z0-9+/]{20}/, (m) => m.slice(0, -1) + (m.endsWith('A') ? 'B' : 'A'));
    const report = verifyXmlSeal(altered, anchors);
    expect(report).toMatchObject({ valid: false, signatureValid: false, referencesValid: true, trusted: true });
    expect(report.problems).toEqual([expect.stringMatching(/SignatureValue\) no corresponde a SignedInfo/)]);
  });

  it('certificado cambiado por uno autofirmado en KeyInfo', () => {
    const swapped = tamper(byDocument, key.certificates[0]!.toString('base64'), forger.certificates[0]!.toString('base64'));
    const report = verifyXmlSeal(swapped, anchors);
    expect(report).toMatchObject({ valid: false, signatureValid: false, trusted: false });
    expect(report.problems.join('\n')).toMatch(/no llega a un ancla de confianza/);
  });

  it('contenido cambiado y vuelto a sellar con un certificado autofirmado: criptografía correcta, cadena no confiable', () => {
    const unsigned = tamper(byDocument, /<ds:Signature[\s\S]*<\/ds:Signature>/, '').replace('Oficio N° 15', 'Oficio N° 99');
    const report = verifyXmlSeal(sealXml(unsigned, forger, { reference: 'document' }), anchors);
    expect(report).toMatchObject({ valid: false, signatureValid: true, referencesValid: true, trusted: false });
    expect(report.signer?.commonName).toBe(AGENCY);
    expect(report.problems).toEqual([expect.stringMatching(/no llega a un ancla de confianza configurada \(último emisor: CN=Subsecretaría/)]);
  });

  it('envoltura de firma: el elemento firmado se traslada y otro falsificado toma su Id', () => {
    const original = INDEX_ELEMENT.exec(byId)![0];
    const forged = '<ex:indice Id="indice-v1"><ex:documento orden="1">Documento falsificado</ex:documento></ex:indice>';
    const wrapped = tamper(byId, INDEX_ELEMENT, forged).replace('</ex:expediente>', `<ex:respaldo>${original}</ex:respaldo></ex:expediente>`);
    const report = verifyXmlSeal(wrapped, anchors, { expectReference: { id: 'indice-v1' } });
    expect(report).toMatchObject({ valid: false, referencesValid: false });
    expect(report.problems).toEqual([expect.stringMatching(/Hay 2 elementos con el identificador «indice-v1».*envoltura de firma/)]);
  });

  it('envoltura de firma: el elemento firmado se esconde dentro de la firma', () => {
    const original = INDEX_ELEMENT.exec(byId)![0];
    const wrapped = tamper(byId, INDEX_ELEMENT, '<ex:indice Id="otro"/>').replace('</ds:KeyInfo>', `</ds:KeyInfo><ds:Object>${original}</ds:Object>`);
    const report = verifyXmlSeal(wrapped, anchors, { expectReference: { id: 'indice-v1' } });
    expect(report.valid).toBe(false);
    expect(report.problems).toEqual([expect.stringMatching(/ds:Signature debe contener ds:SignedInfo, ds:SignatureValue, ds:KeyInfo en ese orden; contiene .*Object/)]);
  });

  it('una firma sobre otra cosa que la esperada se rechaza', () => {
    const report = verifyXmlSeal(byId, anchors, { expectReference: 'document' });
    expect(report.valid).toBe(false);
    expect(report.problems).toEqual(['La firma cubre URI="#indice-v1", pero se esperaba que cubriera URI="" (documento completo).']);
  });

  it('DOCTYPE con entidad externa: se rechaza sin llegar a analizar el XML', () => {
    const parse = vi.spyOn(DOMParser.prototype, 'parseFromString');
    try {
      const hostile = tamper(byDocument, '<ex:expediente ', '<!DOCTYPE ex:expediente [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<ex:expediente ').replace('E-2026-000123', '&xxe;');
      const report = verifyXmlSeal(hostile, anchors);
      expect(report).toMatchObject({ valid: false, signatureValid: false, referencesValid: false, trusted: false, signer: null });
      expect(report.problems).toEqual([expect.stringMatching(/declaración DOCTYPE o ENTITY/)]);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it('dos firmas', () => {
    const twice = byDocument.replace('</ex:expediente>', `${signatureElement(byDocument)}</ex:expediente>`);
    const report = verifyXmlSeal(twice, anchors);
    expect(report).toMatchObject({ valid: false, signer: null });
    expect(report.problems).toEqual([expect.stringMatching(/contiene 2 firmas ds:Signature/)]);
  });

  it('algoritmo inesperado', () => {
    const sha1 = tamper(byDocument, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2000/09/xmldsig#rsa-sha1');
    const report = verifyXmlSeal(sha1, anchors);
    expect(report.valid).toBe(false);
    expect(report.problems).toEqual([expect.stringMatching(/^Algoritmo inesperado en ds:SignatureMethod: .*rsa-sha1; se exige .*rsa-sha256\.$/)]);
  });

  it('sin firma, o con algo que no es XML: informe, nunca excepción', () => {
    expect(verifyXmlSeal(INDEX, anchors).problems).toEqual(['El XML no contiene ninguna firma XMLDSig (ds:Signature).']);
    for (const junk of ['', 'no es XML', '<a><b></a>', byDocument.slice(0, -40)]) {
      const report = verifyXmlSeal(junk, anchors);
      expect(report.valid).toBe(false);
      expect(report.problems.length).toBeGreaterThan(0);
    }
  });
});
