import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { itWithReferee } from '../../helpers/referee.ts';
import { bagBaseDir, bagInfoTxt, bagManifest, bagSize } from '../../../standards/archive/package/bagit.ts';
import { pdfHeaderVersion, pronomFormat } from '../../../standards/archive/package/pronomFormat.ts';
import { planPackage, type TransferPackageModel } from '../../../standards/archive/package/transferPackage.ts';
import { ghostscriptPdfaConverter, PdfaConversionError } from '../../../server/features/transfers/PdfaConverter.ts';
import type { CaseFileIndex } from '../../../standards/caseFile/CaseFileIndex.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

describe('formatos PRONOM', () => {
  it('names PDF by header version and PDF/A by its claim, XML as fmt/101, and leaves unknown formats without a PUID', () => {
    expect(pdfHeaderVersion(Buffer.from('%PDF-1.4\n%âãÏÓ'))).toBe('1.4');
    expect(pdfHeaderVersion(Buffer.from('no es un PDF'))).toBeNull();
    expect(pronomFormat('application/pdf', { headerVersion: '1.4', pdfa: null }).puid).toBe('fmt/18');
    expect(pronomFormat('application/pdf', { headerVersion: '1.6', pdfa: null }).puid).toBe('fmt/20');
    expect(pronomFormat('application/pdf', { headerVersion: '1.7', pdfa: null }).puid).toBe('fmt/276');
    expect(pronomFormat('application/pdf', { headerVersion: '1.7', pdfa: '2b' }).puid).toBe('fmt/477');
    expect(pronomFormat('application/pdf', { headerVersion: '1.4', pdfa: '1A' }).puid).toBe('fmt/95');
    expect(pronomFormat('application/pdf', { headerVersion: null, pdfa: null }).puid).toBeNull();
    expect(pronomFormat('application/xml').puid).toBe('fmt/101');
    expect(pronomFormat('image/png').puid).toBeNull();
    expect(pronomFormat('application/x-desconocido')).toEqual({ name: 'application/x-desconocido', version: null, puid: null });
  });
});

describe('BagIt', () => {
  it('writes bag-info labels in order, one line each, Payload-Oxum as octets.files, and sha256sum-style manifests', () => {
    const info = bagInfoTxt({ sourceOrganization: 'Servicio\nmalicioso', externalIdentifier: 'urn:uuid:x', externalDescription: 'd', baggingDate: new Date('2026-11-24T23:59:00Z'), payloadBytes: 1536, payloadFiles: 3, internalSenderIdentifier: 'x' });
    expect(info.split('\n').map((l) => l.split(':')[0])).toEqual(['Source-Organization', 'External-Identifier', 'External-Description', 'Bagging-Date', 'Payload-Oxum', 'Bag-Size', 'Internal-Sender-Identifier', '']);
    expect(info).toContain('Source-Organization: Servicio malicioso\n');
    expect(info).toContain('Bagging-Date: 2026-11-24\n');
    expect(info).toContain('Payload-Oxum: 1536.3\n');
    expect(bagSize(1536)).toBe('1.5 KB');
    expect(bagSize(10)).toBe('10 bytes');
    expect(bagManifest([{ path: 'data/a.txt', digest: 'ab' }])).toBe('ab  data/a.txt\n');
    expect(bagBaseDir('urn:uuid:1234')).toBe('urn+uuid+1234');
  });
});

const index: CaseFileIndex = {
  metadata: {
    MGDEE1_1: 'EXP-20261124-000001-AG1',
    MGDEE1_4: 'cerrado',
    MGDEE1_5: 'Título',
    MGDEE2_2: 'Asunto',
    MGDEE3_1: '2026-11-24T10:00:00.000Z',
    MGDEE3_2: '2026-11-24T11:00:00.000Z',
    MGDEE4_1: 2,
    MGDEE4_2: 'https://legajo.test/v1/case-files/EXP-20261124-000001-AG1',
    MGDEE51_1: 'AG1',
    MGDEE51_2: 'Agencia 1',
    MGDEE51: [{ relation: 4, code: 'AG1', name: 'Agencia 1' }],
    MGDEE52: [{ relation: 1, actorType: 4, id: '12.345.678-5', name: 'Juana' }],
    MGDEE6_1: 1,
    MGDEE6_4: 2,
    MGDEE7_1: 'CPAT-1',
    MGDEE8_1: '001',
  },
  indexVersion: 1,
  generatedAt: new Date('2026-11-24T11:00:00Z'),
  entries: [],
};

describe('plan del paquete', () => {
  it('without schemas nor a PDF/A converter, leaves both out and says why in the README, keeping every other part', () => {
    const model: TransferPackageModel = {
      id: '00000000-0000-4000-8000-000000000001',
      createdAt: new Date('2026-11-24T12:00:00Z'),
      software: { name: 'legajo', version: 'test' },
      agency: { name: 'Agencia 1', code: 'AG1' },
      contact: null,
      caseFiles: [{ rep: 'EXP-20261124-000001-AG1', index, files: [], events: [], pdfa: null }],
      events: [],
      agents: [],
      auditLog: '',
      schemas: [],
      notes: ['No se generaron copias PDF/A: Ghostscript (gs) no está instalado.', 'No se incluyeron los esquemas XSD en schemas/.'],
    };
    const plan = planPackage(model);
    expect(plan.baseDir).toBe('urn+uuid+00000000-0000-4000-8000-000000000001');
    const paths = plan.entries.map((e) => e.path);
    expect(paths.slice(0, 2)).toEqual(['bagit.txt', 'bag-info.txt']);
    expect(paths).toContain('data/METS.xml');
    expect(paths.some((p) => p.startsWith('data/schemas/'))).toBe(false);
    expect(paths.some((p) => p.includes('.pdfa/'))).toBe(false);
    const entry = (p: string) => plan.entries.find((e) => e.path === p) as { bytes: Buffer };
    const readme = entry('data/documentation/LEEME.txt').bytes.toString('utf8');
    expect(readme).toContain('Ghostscript (gs) no está instalado');
    expect(readme).toContain('esquemas XSD');
    const mets = entry('data/METS.xml').bytes.toString('utf8');
    expect(mets).not.toContain('USE="Schemas"');
    expect(plan.payloadFiles).toBe(paths.filter((p) => p.startsWith('data/')).length);
  });
});

describe('conversión PDF/A con Ghostscript', () => {
  const fakeGs = async (script: string) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'legajo-fake-gs-'));
    dirs.push(dir);
    const gs = path.join(dir, 'gs');
    await fs.writeFile(gs, `#!/bin/sh\nif [ "$1" = "--version" ]; then gs --version; exit 0; fi\n${script}\n`, { mode: 0o755 });
    return { gs, dir };
  };

  it('is absent when gs cannot be run, so the package leaves PDF/A out', async () => {
    expect(await ghostscriptPdfaConverter(os.tmpdir(), { command: '/no/existe/gs' })).toBeNull();
  });

  // The stand-in answers --version with the installed gs's, whose ICC profile and PDFA_def.ps the converter needs.
  itWithReferee('gs', 'treats "PDF/A processing aborted" as a failure even when gs exits 0, and refuses an output without a PDF/A claim', async () => {
    const aborted = await fakeGs('echo "GPL Ghostscript: PDF/A processing aborted, output may not be a PDF/A file" >&2; for a in "$@"; do case $a in -sOutputFile=*) echo "%PDF-1.7" > "${a#-sOutputFile=}";; esac; done; exit 0');
    const converter = await ghostscriptPdfaConverter(path.join(aborted.dir, 'work'), { command: aborted.gs });
    expect(converter).not.toBeNull();
    await expect(converter!.convert('/dev/null', path.join(aborted.dir, 'out.pdf'))).rejects.toThrow(PdfaConversionError);
    await expect(converter!.convert('/dev/null', path.join(aborted.dir, 'out.pdf'))).rejects.toThrow(/abortó/);

    const noClaim = await fakeGs('for a in "$@"; do case $a in -sOutputFile=*) echo "%PDF-1.7 sin pdfaid" > "${a#-sOutputFile=}";; esac; done; exit 0');
    const plain = await ghostscriptPdfaConverter(path.join(noClaim.dir, 'work'), { command: noClaim.gs });
    await expect(plain!.convert('/dev/null', path.join(noClaim.dir, 'out.pdf'))).rejects.toThrow(/no declara pdfaid/);

    const crash = await fakeGs('echo "Error: /undefined in --file--" >&2; exit 1');
    const failing = await ghostscriptPdfaConverter(path.join(crash.dir, 'work'), { command: crash.gs });
    await expect(failing!.convert('/dev/null', path.join(crash.dir, 'out.pdf'))).rejects.toThrow(/código 1: Error: \/undefined/);
  });
});
