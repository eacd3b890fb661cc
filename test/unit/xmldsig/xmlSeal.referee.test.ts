import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { XmlSealKey } from '../../../standards/xmldsig/XmlSealKey.ts';
import { sealXml } from '../../../standards/xmldsig/sealXml.ts';
import { itWithReferee } from '../../helpers/referee.ts';
import { devSigners } from '../../signing/devSigners.ts';
import { EX, INDEX } from './sampleIndex.ts';

/** xmlsec1 only resolves URI="#…" through attributes declared as IDs: `Id` on {urn:legajo:expediente}indice. */
const ID_ATTRIBUTE = ['--id-attr:Id', `${EX}:indice`];

const dir = mkdtempSync(join(tmpdir(), 'legajo-xmldsig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let key: XmlSealKey;
let rootPem: string;

beforeAll(async () => {
  const { dev, seal } = await devSigners();
  key = seal.xmlSealKey();
  rootPem = join(dir, 'raiz.pem');
  writeFileSync(rootPem, dev.rootCertificatePem);
});

/** Runs `xmlsec1 --verify --trusted-pem raiz.pem [extra…] file`; the dev chain is root → seal, no intermediates. */
function xmlsec1Verify(name: string, xml: string, extra: string[] = []) {
  const file = join(dir, name);
  writeFileSync(file, xml);
  const run = spawnSync('xmlsec1', ['--verify', '--trusted-pem', rootPem, ...extra, file], { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

describe('xmlsec1 juzga los sellos XML de legajo', () => {
  itWithReferee('xmlsec1', 'documento completo: acepta el sello y rechaza una copia alterada', () => {
    const sealed = sealXml(INDEX, key, { reference: 'document', signatureId: 'sello-indice' });
    const verdict = xmlsec1Verify('documento.xml', sealed);
    expect(verdict.output).toContain('SignedInfo References (ok/all): 1/1');
    expect(verdict.ok, verdict.output).toBe(true);
    expect(xmlsec1Verify('documento-alterado.xml', sealed.replace('Oficio N° 15', 'Oficio N° 16')).ok).toBe(false);
  });

  itWithReferee('xmlsec1', 'elemento por Id, con la firma fuera y dentro de él: acepta y rechaza una copia alterada', () => {
    for (const placeInside of ['firmas', 'indice']) {
      const sealed = sealXml(INDEX, key, { reference: { id: 'indice-v1' }, placeInside: { localName: placeInside, namespaceUri: EX } });
      const verdict = xmlsec1Verify(`id-${placeInside}.xml`, sealed, ID_ATTRIBUTE);
      expect(verdict.ok, verdict.output).toBe(true);
      expect(xmlsec1Verify(`id-${placeInside}-alterado.xml`, sealed.replace('orden="2"', 'orden="3"'), ID_ATTRIBUTE).ok).toBe(false);
    }
  });

  itWithReferee('xmlsec1', 'sin la raíz de desarrollo como ancla, xmlsec1 no confía en la cadena', () => {
    const file = join(dir, 'sin-ancla.xml');
    writeFileSync(file, sealXml(INDEX, key, { reference: 'document' }));
    expect(spawnSync('xmlsec1', ['--verify', file], { encoding: 'utf8' }).status).not.toBe(0);
  });
});
