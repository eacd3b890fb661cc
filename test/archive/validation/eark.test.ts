// E-ARK and BagIt checks on packages changed one defect at a time, judged against the untouched package.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePackage, type ValidatePackageOptions } from '../../../server/features/packages/validatePackage.ts';
import type { PackageReport } from '../../../standards/archive/validation/PackageReport.ts';
import { itWithReferee } from '../../helpers/referee.ts';
import { sharedPath } from '../../helpers/sharedData.ts';
import { tarFolder, zipFolder } from './archives.ts';

const DIRS = { xsdDir: sharedPath('xsd'), schematronDir: sharedPath('schematron/eark-csip-2.1.0') };
const LAX: ValidatePackageOptions = { ...DIRS, strict: false };
const CSIP_VALID = sharedPath('samples/eark-csip-valid/minimal_IP_with_1_representation');

const errors = (r: PackageReport) => r.findings.filter((f) => f.level === 'error');
const errorRules = (r: PackageReport) => [...new Set(errors(r).map((f) => f.rule))].sort();

let work: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'legajo-eark-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A writable copy of the CSIP sample (in a temporary folder, never in the project). */
async function copySample(): Promise<string> {
  const dir = join(work, `paquete-${++n}`, 'minimal_IP_with_1_representation');
  await cp(CSIP_VALID, dir, { recursive: true });
  await chmodTree(dir);
  return dir;
}

async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (d.isDirectory()) await chmodTree(join(dir, d.name));
    else await chmod(join(dir, d.name), 0o644);
  }
}

async function editMets(dir: string, edit: (xml: string) => string): Promise<void> {
  const file = join(dir, 'METS.xml');
  const before = await readFile(file, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  await writeFile(file, after);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true, recursive: true })) if (d.isFile()) out.push(relative(dir, join(d.parentPath, d.name)));
  return out.sort();
}

/** Turns a folder into a BagIt 1.0 bag around it (payload under data/), with sha256 and sha512 manifests. */
async function bagAround(payload: string, bag: string): Promise<void> {
  await mkdir(bag, { recursive: true });
  await cp(payload, join(bag, 'data'), { recursive: true });
  const files = (await filesUnder(join(bag, 'data'))).map((f) => `data/${f}`);
  let bytes = 0;
  const manifest = async (alg: string, names: string[]) => {
    const lines: string[] = [];
    for (const f of names) {
      const body = await readFile(join(bag, f));
      lines.push(`${createHash(alg).update(body).digest('hex')}  ${f}`);
    }
    return `${lines.join('\n')}\n`;
  };
  for (const f of files) bytes += (await readFile(join(bag, f))).length;
  await writeFile(join(bag, 'bagit.txt'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  await writeFile(join(bag, 'bag-info.txt'), `Source-Organization: Agencia de prueba\nBagging-Date: 2026-11-24\nPayload-Oxum: ${bytes}.${files.length}\n`);
  await writeFile(join(bag, 'manifest-sha256.txt'), await manifest('sha256', files));
  await writeFile(join(bag, 'manifest-sha512.txt'), await manifest('sha512', files));
  await writeFile(join(bag, 'tagmanifest-sha256.txt'), await manifest('sha256', ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'manifest-sha512.txt']));
}

describe('E-ARK checks, one defect at a time', () => {
  it('the untouched copy is valid in non-strict mode (the baseline every case below departs from)', async () => {
    const r = await validatePackage(await copySample(), LAX);
    expect(errors(r)).toEqual([]);
  });

  it.each<[string, (dir: string) => Promise<void>, string[]]>([
    ['a changed byte in a representation file', async (d) => writeFile(join(d, 'representations/rep1/data/plain_text_document.txt'), 'Hello World?'), ['METS-CHECKSUM']],
    ['a referenced file removed', async (d) => rm(join(d, 'documentation/Doc1.txt')), ['METS-HREF']],
    ['an extra file under representations/', async (d) => writeFile(join(d, 'representations/rep1/data/extra.txt'), 'sin referencia'), ['METS-UNREFERENCED']],
    ['a SIZE that does not match', (d) => editMets(d, (x) => x.replace('SIZE="40"', 'SIZE="41"')), ['METS-SIZE']],
    ['an href leaving the package', (d) => editMets(d, (x) => x.replace('xlink:href="documentation/Doc1.txt"', 'xlink:href="../../../etc/passwd"')), ['METS-HREF']],
    ['CHECKSUMTYPE="SHA256" (not in the METS enumeration)', (d) => editMets(d, (x) => x.replace('CHECKSUMTYPE="MD5"', 'CHECKSUMTYPE="SHA256"')), ['XSD']],
    // CSIP4 fires too, as a warning: non-strict mode tolerates it for CSIP 2.0.x packages; the XSD enumeration does not.
    ['a csip:CONTENTINFORMATIONTYPE outside the vocabulary', (d) => editMets(d, (x) => x.replace('TYPE="Mixed"', 'TYPE="Mixed" csip:CONTENTINFORMATIONTYPE="FOO"')), ['XSD']],
    ['no structMap', (d) => editMets(d, (x) => x.replace(/<structMap[\s\S]*<\/structMap>/, '')), ['CSIP80', 'XSD']],
    ['a DOCTYPE in the METS', (d) => editMets(d, (x) => x.replace('<mets ', '<!DOCTYPE mets [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<mets ')), ['XML-WELLFORMED']],
  ])('%s', async (_, damage, rules) => {
    const dir = await copySample();
    await damage(dir);
    const r = await validatePackage(dir, LAX);
    expect(r.valid).toBe(false);
    expect(errorRules(r)).toEqual(rules);
  }, 30_000);

  it('says where the XSD failed and which value is wrong', async () => {
    const dir = await copySample();
    await editMets(dir, (x) => x.replace('CHECKSUMTYPE="MD5"', 'CHECKSUMTYPE="SHA256"'));
    const xsd = (await validatePackage(dir, LAX)).findings.find((f) => f.rule === 'XSD')!;
    expect(xsd).toMatchObject({ path: 'METS.xml', message: expect.stringMatching(/línea \d+: .*SHA256/) });
  }, 30_000);

  it('refuses to read a METS or PREMIS over maxXmlBytes into memory, and says so', async () => {
    const r = await validatePackage(sharedPath('samples/eark-sip-valid/minimal_SIP_plus_mets_SHOULD_MAY_items'), { ...LAX, maxXmlBytes: 12_000 });
    expect(r.valid).toBe(false);
    // METS.xml is 11,384 bytes and is read; both PREMIS files are larger.
    expect(errors(r).filter((f) => f.rule === 'SAFE-LIMIT').map((f) => f.path).sort()).toEqual([
      'metadata/preservation/package_preservation_meta_premis_v3.xml',
      'representations/rep1/metadata/preservation/rep1_preservation_meta_premis_v2-1.xml',
    ]);
  }, 30_000);

  it('never passes silently without schemas or rules: it says which checks could not run and how to configure them', async () => {
    const dir = await copySample();
    const unset = await validatePackage(dir, { xsdDir: null, schematronDir: null, strict: false });
    expect(unset.valid).toBe(false);
    expect(errors(unset).map((f) => f.rule)).toEqual(['VALIDATOR-CONFIG', 'VALIDATOR-CONFIG']);
    expect(errors(unset).map((f) => f.message).join(' ')).toMatch(/ARCHIVE_XSD_DIR.*ARCHIVE_SCHEMATRON_DIR/);
    const missing = await validatePackage(dir, { xsdDir: join(work, 'no-existe'), schematronDir: DIRS.schematronDir, strict: false });
    expect(errors(missing)).toEqual([expect.objectContaining({ rule: 'VALIDATOR-CONFIG', message: expect.stringContaining('no-existe') })]);
  }, 30_000);
});

describe('E-ARK inside a BagIt bag', () => {
  itWithReferee('sha256sum', 'a bag built around the CSIP sample is "bagit+e-ark" and valid, as sha256sum -c agrees; a changed payload byte fails both', async () => {
    const bag = join(work, 'urn+uuid+prueba');
    await bagAround(await copySample(), bag);
    const r = await validatePackage(bag, LAX);
    expect(errors(r)).toEqual([]);
    expect(r).toMatchObject({ valid: true, kind: 'bagit+e-ark', checked: { files: 10 } });
    expect(spawnSync('sha256sum', ['-c', '--strict', '--quiet', 'manifest-sha256.txt'], { cwd: bag }).status).toBe(0);

    await writeFile(join(bag, 'data/documentation/Doc1.txt'), 'x'.repeat(40));
    expect(spawnSync('sha256sum', ['-c', '--strict', '--quiet', 'manifest-sha256.txt'], { cwd: bag }).status).not.toBe(0);
    const damaged = await validatePackage(bag, LAX);
    expect(errorRules(damaged)).toEqual(['BAGIT-FIXITY', 'METS-CHECKSUM']);
    expect(damaged.findings.filter((f) => f.rule === 'BAGIT-FIXITY').map((f) => f.message.slice(0, 6))).toEqual(['sha256', 'sha512']);
  }, 60_000);

  it('reads the same bag as a tar and as a zip', async () => {
    const bag = join(work, 'urn+uuid+contenedores');
    await bagAround(await copySample(), bag);
    for (const file of [tarFolder(bag, join(work, 'bolsa.tar')), await zipFolder(bag, join(work, 'bolsa.zip'))]) {
      const r = await validatePackage(file, LAX);
      expect(errors(r), file).toEqual([]);
      expect(r.kind).toBe('bagit+e-ark');
    }
  }, 60_000);

  it.each<[string, (bag: string) => Promise<void>, string[]]>([
    ['a wrong Payload-Oxum', (b) => writeFile(join(b, 'bag-info.txt'), 'Payload-Oxum: 1.1\n'), ['BAGIT-FIXITY', 'BAGIT-OXUM']],
    ['a tag manifest missing a payload manifest', async (b) => writeFile(join(b, 'tagmanifest-sha256.txt'), (await readFile(join(b, 'tagmanifest-sha256.txt'), 'utf8')).split('\n').filter((l) => !l.endsWith('manifest-sha512.txt')).join('\n')), ['BAGIT-TAGMANIFEST']],
    ['a manifest line without a hash', async (b) => writeFile(join(b, 'manifest-sha512.txt'), `${await readFile(join(b, 'manifest-sha512.txt'), 'utf8')}data/otro.txt\n`), ['BAGIT-FIXITY', 'BAGIT-MANIFEST']],
    ['a listed payload file that does not exist', async (b) => writeFile(join(b, 'manifest-sha256.txt'), `${await readFile(join(b, 'manifest-sha256.txt'), 'utf8')}${'0'.repeat(64)}  data/fantasma.txt\n`), ['BAGIT-COMPLETENESS', 'BAGIT-FIXITY']],
    ['no payload manifest at all', async (b) => {
      await rm(join(b, 'manifest-sha256.txt'));
      await rm(join(b, 'manifest-sha512.txt'));
    }, ['BAGIT-MANIFEST', 'BAGIT-TAGMANIFEST']],
    ['a bagit.txt with a BOM', (b) => writeFile(join(b, 'bagit.txt'), '\ufeffBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n'), ['BAGIT-DECLARATION', 'BAGIT-FIXITY']],
  ])('%s', async (_, damage, rules) => {
    const bag = join(work, `bolsa-${++n}`);
    await bagAround(await copySample(), bag);
    await damage(bag);
    expect(errorRules(await validatePackage(bag, LAX))).toEqual(rules);
  }, 30_000);
});
