// Validation throughput of a BagIt bag generated here (random payload, sha256 + sha512 manifests), as a folder, a
// tar and a zip, against `sha256sum` over the same payload files measured in the same run.
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validatePackage } from '../server/features/packages/validatePackage.ts';
import { tarFolder, zipFolder } from '../test/archive/validation/archives.ts';
import type { BenchResult } from './BenchResult.ts';

const MB = 1e6;
const FILES = 200;
const FILE_BYTES = 1_000_000;
const RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timed(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

/** A bag of FILES random files; with `algorithms` = the payload manifests written (and a tag manifest in sha256). */
async function makeBag(dir: string, algorithms: string[]): Promise<string[]> {
  await mkdir(join(dir, 'data'), { recursive: true });
  const names: string[] = [];
  const lines = new Map(algorithms.map((a) => [a, [] as string[]]));
  const body = Buffer.alloc(FILE_BYTES);
  for (let i = 0; i < FILES; i++) {
    randomFillSync(body);
    const name = `data/documento-${String(i).padStart(4, '0')}.bin`;
    await writeFile(join(dir, name), body);
    names.push(name);
    for (const a of algorithms) lines.get(a)!.push(`${createHash(a).update(body).digest('hex')}  ${name}`);
  }
  await writeFile(join(dir, 'bagit.txt'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  await writeFile(join(dir, 'bag-info.txt'), `Payload-Oxum: ${FILES * FILE_BYTES}.${FILES}\n`);
  for (const a of algorithms) await writeFile(join(dir, `manifest-${a}.txt`), `${lines.get(a)!.join('\n')}\n`);
  return names;
}

export default async function packageValidationBench(): Promise<BenchResult> {
  const work = await mkdtemp(join(tmpdir(), 'legajo-bench-validate-'));
  try {
    const payload = FILES * FILE_BYTES;
    const rows: BenchResult['rows'] = [];
    const both = join(work, 'ambos', 'urn+uuid+bench');
    const names = await makeBag(both, ['sha256', 'sha512']);
    const only256 = join(work, 'sha256', 'urn+uuid+bench');
    await makeBag(only256, ['sha256']);

    // Baseline: coreutils hashing the same payload files. Each form's run is paired with a baseline run right before
    // it, so both see the same machine load; the ratio is the median of the paired ratios.
    const sha256sum = () => {
      const r = spawnSync('sha256sum', names, { cwd: both, maxBuffer: 64 * 1024 * 1024 });
      if (r.status !== 0) throw new Error('sha256sum falló');
    };
    const forms: Array<[string, string]> = [
      ['folder, sha256 manifest only', only256],
      ['folder, sha256 + sha512 manifests', both],
      ['tar, sha256 + sha512 manifests', tarFolder(both, join(work, 'bolsa.tar'))],
      ['zip (deflate), sha256 + sha512 manifests', await zipFolder(both, join(work, 'bolsa.zip'))],
    ];
    const baseTimes: number[] = [];
    const load = [os.loadavg()[0]!];
    for (const [label, source] of forms) {
      const times: number[] = [];
      const ratios: number[] = [];
      for (let i = 0; i <= RUNS; i++) {
        const baseMs = timed(sha256sum);
        const started = performance.now();
        const report = await validatePackage(source, { xsdDir: null, schematronDir: null });
        const ms = performance.now() - started;
        if (!report.valid) throw new Error(`la bolsa de prueba no validó: ${JSON.stringify(report.findings.slice(0, 3))}`);
        if (i === 0) continue;
        baseTimes.push(baseMs);
        times.push(ms);
        ratios.push(baseMs / ms);
      }
      rows.push({ case: `validatePackage: ${label}`, 'MB/s': (payload / MB / (median(times) / 1000)).toFixed(0), 'ratio to sha256sum': median(ratios).toFixed(2) });
    }
    load.push(os.loadavg()[0]!);
    rows.unshift({ case: '`sha256sum` of the payload (baseline)', 'MB/s': (payload / MB / (median(baseTimes) / 1000)).toFixed(0), 'ratio to sha256sum': '1.00' });
    return {
      title: 'Package validation throughput (server/features/packages/validatePackage)',
      rows,
      notes: [
        `${FILES} random files of ${FILE_BYTES / MB} MB (${payload / MB} MB payload); MB/s = 10^6 bytes of payload per second, median of ${RUNS} runs after one untimed warm-up; the page cache is warm for every form.`,
        'validatePackage hashes each payload file once with every algorithm its manifests list (a sha256 + sha512 bag costs both hashes), reads tag files and checks Payload-Oxum; no XSD/Schematron here (a plain bag needs none).',
        'Tar entries are read in place by offset; zip entries are inflated on the fly (random data does not compress, so deflate is stored-size work plus CRC).',
        'Each validation run is paired with a `sha256sum` run just before it (same load); the ratio is the median of the paired ratios. Node hashes with OpenSSL (SHA extensions where the CPU has them); Debian\'s coreutils `sha256sum` uses its own portable code, hence ratios above 1.',
        `1-minute load average ${load.map((l) => l.toFixed(1)).join(' before and ')} after the run, on ${os.cpus().length} cores (other work shared the machine).`,
      ],
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
