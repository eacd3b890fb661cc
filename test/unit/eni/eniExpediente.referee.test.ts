import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaseFileIndex } from '../../../standards/caseFile/CaseFileIndex.ts';
import { buildEniExpediente, signEniExpediente, type EniState } from '../../../standards/eni/eniExpedienteXml.ts';
import { itWithReferee } from '../../helpers/referee.ts';
import { caseFile, doc, ENI_XSD, hexOf, link, nested, removed, testSealKey, xmllintEni } from './eniSamples.ts';

const IUIE = 'EXP-20261120-000001-AB01';
const { key } = testSealKey();

const signed = (index: CaseFileIndex, state: EniState = 'E01', organo = 'AB01') => signEniExpediente(buildEniExpediente(index, { organo, state }), key);

function expectValid(xml: string): void {
  const verdict = xmllintEni(xml);
  expect(verdict.output).toMatch(/validates/);
  expect(verdict.valid).toBe(true);
}

describe('ENI expediente against the official schemas (xmllint)', () => {
  it('finds the schemas in shared/, outside the repository', () => {
    expect(existsSync(ENI_XSD)).toBe(true);
  });

  itWithReferee('xmllint', 'a signed expediente with documents only is valid', () => {
    expectValid(signed(caseFile(IUIE, [doc(1), doc(2), doc(3, { version: 4 })])));
  });

  itWithReferee('xmllint', 'the unsigned build is not valid: the schema requires the signature the caller adds', () => {
    const verdict = xmllintEni(buildEniExpediente(caseFile(IUIE, [doc(1)]), { organo: 'AB01', state: 'E01' }).xml);
    expect(verdict.valid).toBe(false);
    expect(verdict.output).toMatch(/FirmaConCertificado.*Missing child element/);
  });

  itWithReferee('xmllint', 'nested case files, two levels deep, are valid', () => {
    const deepest = caseFile('EXP-20261001-000003-AB01', [doc(1), doc(2)]);
    const middle = caseFile('EXP-20261101-000002-AB01', [nested(1, deepest), doc(2)]);
    expectValid(signed(caseFile(IUIE, [doc(1), nested(2, middle), doc(3)])));
  });

  itWithReferee('xmllint', 'removed entries, also inside a nested case file, leave a valid expediente', () => {
    const inner = caseFile('EXP-20261101-000002-AB01', [removed(doc(1)), doc(2)]);
    expectValid(signed(caseFile(IUIE, [removed(doc(1)), doc(2), removed(nested(3, inner)), nested(4, inner), removed(link(5, 'https://x.example/', hexOf('x')))])));
  });

  itWithReferee('xmllint', 'links, with and without a digest, leave a valid expediente', () => {
    expectValid(signed(caseFile(IUIE, [link(1, 'https://repositorio.example/a?x=1&y=2', hexOf('a')), link(2, 'https://repositorio.example/b', null), doc(3)])));
  });

  for (const state of ['E01', 'E02', 'E03'] as const) {
    itWithReferee('xmllint', `state ${state} is valid`, () => {
      const xml = signed(caseFile(IUIE, [doc(1)]), state);
      expect(xml).toContain(`<eniexpmeta:Estado>${state}</eniexpmeta:Estado>`);
      expectValid(xml);
    });
  }

  itWithReferee('xmllint', 'special and XML-excluded characters leave a valid expediente', () => {
    const odd = 'Trámite <ñandú> & "cía" \'ok\' ]]> 🙂 \r\n\t\u0001\uD800 fin';
    const index = caseFile(IUIE, [doc(1, { documentIdentifier: `DOCU-20261121-000001-AB01${odd}` }), link(2, `https://x.example/?q=${odd}`, hexOf('l'))], {
      MGDEE7_1: `CPAT ${odd}`,
    });
    expectValid(signed(index, 'E02', `A&B<${odd}>`));
  });

  describe('the referee bites', () => {
    const good = signed(caseFile(IUIE, [doc(1)]));

    // Each case first checks the untouched sample, so a failure comes from its one change.
    const broken: [string, string, string][] = [
      ['an Estado outside E01–E03', '<eniexpmeta:Estado>E01<', '<eniexpmeta:Estado>E04<'],
      ['a TipoFirma outside TF01–TF06', '<enids:TipoFirma>TF02<', '<enids:TipoFirma>TF07<'],
      ['an index date that is not a dateTime', '<eniconexpind:FechaIndiceElectronico>2026-11-29T12:00:00.000Z<', '<eniconexpind:FechaIndiceElectronico>29/11/2026<'],
    ];
    for (const [what, from, to] of broken) {
      itWithReferee('xmllint', `rejects ${what}`, () => {
        expectValid(good);
        const xml = good.replace(from, to);
        expect(xml).not.toBe(good);
        const verdict = xmllintEni(xml);
        expect(verdict.valid).toBe(false);
        expect(verdict.output).toMatch(/fails to validate/);
      });
    }
  });
});
