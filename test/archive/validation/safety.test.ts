// Hostile containers: every one is refused with a finding before anything inside it is interpreted, and nothing is written.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile, link } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePackage } from '../../../server/features/packages/validatePackage.ts';
import { checkEntryPath, findNameCollisions } from '../../../standards/archive/validation/entryPath.ts';
import type { PackageReport } from '../../../standards/archive/validation/PackageReport.ts';
import { rawZip, tarOf, type TarItem } from './archives.ts';

const NO_XML = { xsdDir: null, schematronDir: null };
const MiB = 1024 * 1024;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'legajo-safety-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const rules = (r: PackageReport) => [...new Set(r.findings.filter((f) => f.level === 'error').map((f) => f.rule))].sort();
/** A minimal valid bag's files, for hostile entries to hide among. */
const BAG: TarItem[] = [
  { name: 'bolsa/bagit.txt', body: Buffer.from('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n') },
  { name: 'bolsa/data/a.txt', body: Buffer.from('hola\n') },
  { name: 'bolsa/manifest-sha256.txt', body: Buffer.from('133ee989293f92736301280c6f14c89d521200c17dcdcecca30cd20705332d44  data/a.txt\n') },
];

async function tarReport(items: TarItem[], name: string) {
  const before = await readdir(work);
  const report = await validatePackage(await tarOf(items, join(work, name)), NO_XML);
  // Only the tar itself was added: no entry was ever extracted anywhere near it.
  expect((await readdir(work)).sort()).toEqual([...before, name].sort());
  return report;
}

describe('entry names', () => {
  it.each([
    ['../fuera.txt', '..'],
    ['bolsa/../../fuera.txt', '..'],
    ['/etc/passwd', 'absoluta'],
    ['C:/Windows/system.ini', 'unidad'],
    ['bolsa\\..\\fuera.txt', '\\'],
    ['bolsa//data', 'vacío'],
    ['bolsa/da\u0000ta', 'control'],
  ])('refuses %j', (name, why) => {
    const r = checkEntryPath(name);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.finding).toMatchObject({ rule: 'SAFE-PATH', level: 'error', message: expect.stringContaining(why) });
  });

  it('normalises harmless forms and finds duplicates and case collisions', () => {
    expect(checkEntryPath('./bolsa/./data/a.txt')).toEqual({ ok: true, path: 'bolsa/data/a.txt' });
    expect(checkEntryPath('bolsa/data/')).toEqual({ ok: true, path: 'bolsa/data' });
    expect(findNameCollisions(['a/x', 'a/X', 'a/y', 'a/y']).map((f) => f.rule)).toEqual(['SAFE-CASE', 'SAFE-DUPLICATE']);
  });
});

describe('tar', () => {
  it('accepts the plain bag the hostile cases start from', async () => {
    const r = await tarReport(BAG, 'limpia.tar');
    expect(r.findings.filter((f) => f.rule.startsWith('SAFE'))).toEqual([]);
  });

  it.each<[string, TarItem, string]>([
    ['path traversal', { name: 'bolsa/../../fuera.txt', body: Buffer.from('x') }, 'SAFE-PATH'],
    ['an absolute path', { name: '/tmp/fuera.txt', body: Buffer.from('x') }, 'SAFE-PATH'],
    ['a backslash traversal', { name: 'bolsa\\..\\..\\fuera.txt', body: Buffer.from('x') }, 'SAFE-PATH'],
    ['a symlink', { name: 'bolsa/data/enlace', type: 'symlink', linkname: '/etc/passwd' }, 'SAFE-LINK'],
    ['a hard link', { name: 'bolsa/data/duro', type: 'link', linkname: 'bolsa/data/a.txt' }, 'SAFE-LINK'],
    ['a device', { name: 'bolsa/data/dispositivo', type: 'character-device' }, 'SAFE-LINK'],
    ['a FIFO', { name: 'bolsa/data/fifo', type: 'fifo' }, 'SAFE-LINK'],
    ['a duplicate name', { name: 'bolsa/data/a.txt', body: Buffer.from('otro\n') }, 'SAFE-DUPLICATE'],
    ['a name differing only by case', { name: 'bolsa/data/A.txt', body: Buffer.from('otro\n') }, 'SAFE-CASE'],
  ])('refuses %s before reading the bag, and the report says nothing else', async (_, hostile, rule) => {
    const r = await tarReport([...BAG, hostile], `${rule}-${Math.random().toString(36).slice(2)}.tar`);
    expect(r).toMatchObject({ valid: false, kind: null, checked: { files: 0, bytes: 0 } });
    expect(rules(r)).toEqual([rule]);
  });

  it('refuses a truncated tar, a gzip and something that is no container', async () => {
    const whole = await tarOf(BAG, join(work, 'entera.tar'));
    const bytes = await import('node:fs/promises').then((fs) => fs.readFile(whole));
    await writeFile(join(work, 'cortada.tar'), bytes.subarray(0, 1024 + 100));
    await writeFile(join(work, 'bolsa.tar.gz'), gzipSync(bytes));
    await writeFile(join(work, 'basura.bin'), Buffer.alloc(2000, 7));
    for (const name of ['cortada.tar', 'bolsa.tar.gz', 'basura.bin']) {
      const r = await validatePackage(join(work, name), NO_XML);
      expect(rules(r), name).toEqual(['SAFE-CONTAINER']);
    }
  });

  it('follows long names written as pax headers (over 100 bytes, no ustar prefix split)', async () => {
    const long = `bolsa/data/${'carpeta-con-nombre-largo/'.repeat(6)}${'d'.repeat(120)}.txt`;
    const body = Buffer.from('contenido\n');
    const manifest = `${createHash('sha256').update(BAG[1]!.body!).digest('hex')}  data/a.txt\n${createHash('sha256').update(body).digest('hex')}  ${long.slice('bolsa/'.length)}\n`;
    const r = await tarReport([BAG[0]!, BAG[1]!, { name: long, body }, { name: 'bolsa/manifest-sha256.txt', body: Buffer.from(manifest) }], 'larga.tar');
    expect(r.findings).toEqual([]);
    expect(r).toMatchObject({ valid: true, checked: { files: 2 } });
  });

  it('stops at the entry limit', async () => {
    const r = await validatePackage(await tarOf(BAG, join(work, 'muchas.tar')), { ...NO_XML, limits: { maxEntries: 2 } });
    expect(rules(r)).toEqual(['SAFE-LIMIT']);
  });
});

describe('zip', () => {
  const zip = async (name: string, items: Parameters<typeof rawZip>[0]) => {
    await writeFile(join(work, name), rawZip(items));
    return validatePackage(join(work, name), NO_XML);
  };
  const bagItems = BAG.map((i) => ({ name: i.name, data: i.body!, deflate: true }));

  it('reads a hand-written zip bag like the tar one', async () => {
    const r = await zip('limpia.zip', bagItems);
    expect(r.findings.filter((f) => f.rule.startsWith('SAFE'))).toEqual([]);
    expect(r.kind).toBe('bagit');
  });

  it.each<[string, Parameters<typeof rawZip>[0][number], string]>([
    ['path traversal', { name: '../../fuera.txt', data: Buffer.from('x') }, 'SAFE-PATH'],
    ['a backslash traversal', { name: '..\\..\\fuera.txt', data: Buffer.from('x') }, 'SAFE-PATH'],
    ['an absolute path', { name: '/etc/cron.d/x', data: Buffer.from('x') }, 'SAFE-PATH'],
    ['a symlink', { name: 'bolsa/data/enlace', data: Buffer.from('/etc/passwd'), mode: 0o120777 }, 'SAFE-LINK'],
    ['a duplicate', { name: 'bolsa/data/a.txt', data: Buffer.from('otro') }, 'SAFE-DUPLICATE'],
    ['a case collision', { name: 'bolsa/DATA/a.txt', data: Buffer.from('otro') }, 'SAFE-CASE'],
  ])('refuses %s', async (_, hostile, rule) => {
    const r = await zip(`${rule}-${Math.random().toString(36).slice(2)}.zip`, [...bagItems, hostile]);
    expect(rules(r)).toEqual([rule]);
    expect(r.checked).toEqual({ files: 0, bytes: 0 });
  });

  it('refuses a bomb by its compression ratio before inflating it', async () => {
    const r = await zip('razon.zip', [...bagItems, { name: 'bolsa/data/ceros', data: Buffer.alloc(64 * MiB), deflate: true }]);
    expect(rules(r)).toEqual(['SAFE-LIMIT']);
    expect(r.findings[0]!.message).toMatch(/razón de compresión \d+:1/);
  });

  it('refuses declared sizes over the per-entry and total bounds', async () => {
    const big = { name: 'bolsa/data/grande', data: Buffer.alloc(3 * MiB, 1), deflate: false };
    await writeFile(join(work, 'grande.zip'), rawZip([...bagItems, big]));
    expect(rules(await validatePackage(join(work, 'grande.zip'), { ...NO_XML, limits: { maxEntryBytes: 2 * MiB } }))).toEqual(['SAFE-LIMIT']);
    expect(rules(await validatePackage(join(work, 'grande.zip'), { ...NO_XML, limits: { maxTotalBytes: 2 * MiB } }))).toEqual(['SAFE-LIMIT']);
  });

  it('counts the real bytes while inflating: an entry that declares 1 KiB and inflates to 8 MiB is stopped', async () => {
    const liar = { name: 'bolsa/data/a.txt', data: Buffer.alloc(8 * MiB, 0x61), deflate: true, declaredSize: 1024 };
    const items = [bagItems[0]!, liar, bagItems[2]!];
    const r = await zip('mentirosa.zip', items);
    expect(rules(r)).toContain('SAFE-LIMIT');
    expect(r.valid).toBe(false);
    // Reading stopped at the lie: far less than the 8 MiB the entry really holds was hashed.
    expect(r.checked.bytes).toBeLessThan(2 * MiB);
  });
});

describe('folder', () => {
  it('refuses symlinks and hard links instead of following them', async () => {
    const dir = join(work, 'carpeta');
    await mkdir(join(dir, 'data'), { recursive: true });
    for (const item of BAG) await writeFile(join(dir, item.name.replace('bolsa/', '')), item.body!);
    expect(rules(await validatePackage(dir, NO_XML)).filter((r) => r.startsWith('SAFE'))).toEqual([]);
    await symlink('/etc/passwd', join(dir, 'data', 'enlace'));
    expect(rules(await validatePackage(dir, NO_XML))).toEqual(['SAFE-LINK']);
    await rm(join(dir, 'data', 'enlace'));
    await link(join(dir, 'data', 'a.txt'), join(work, 'segundo-nombre'));
    expect(rules(await validatePackage(dir, NO_XML))).toEqual(['SAFE-LINK']);
  });
});
