import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { bufferRangeSource } from '../../../standards/content/RangeSource.ts';
import { inspectPdf } from '../../../standards/pdf/inspectPdf.ts';
import { itWithReferee } from '../../helpers/referee.ts';
import { handmadePdf, objectStream, pdfBytes } from './handmadePdf.ts';
import { pdfWithPages, signedPdf } from './samplePdfs.ts';

const dir = mkdtempSync(join(tmpdir(), 'legajo-pdf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inspect = (bytes: Uint8Array) => inspectPdf(bufferRangeSource(bytes), { maxPages: 1000 });

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** qpdf's page count; exit status 3 only means qpdf printed warnings. */
function qpdfPages(path: string): number {
  const run = spawnSync('qpdf', ['--show-npages', path], { encoding: 'utf8' });
  if (run.status !== 0 && run.status !== 3) throw new Error(`qpdf falló: ${run.stderr}`);
  return Number(run.stdout.trim());
}

describe('page counts agree with qpdf', () => {
  itWithReferee('qpdf', 'on pdf-lib output and on qpdf rewrites of it (object streams, linearized, QDF)', async () => {
    const samples: [string, Uint8Array][] = [
      ['uno.pdf', await pdfWithPages(1)],
      ['siete.pdf', await pdfWithPages(7)],
      ['ciento-tres-os.pdf', await pdfWithPages(103, true)],
      [
        'objstm-a-mano.pdf',
        pdfBytes(handmadePdf([{ inObjectStream: 4, index: 0 }, '<</Type /Pages /Kids [3 0 R] /Count 1>>', '<</Type /Page /Parent 2 0 R>>', objectStream([{ num: 1, body: '<</Type /Catalog /Pages 2 0 R>>' }])], '/Root 1 0 R')),
      ],
    ];
    for (const [name, bytes] of samples) {
      const path = write(name, bytes);
      const variants = [path];
      for (const [suffix, args] of [
        ['os', ['--object-streams=generate']],
        ['lin', ['--linearize']],
        ['qdf', ['--qdf', '--object-streams=disable']],
      ] as const) {
        const out = `${path}.${suffix}.pdf`;
        execFileSync('qpdf', [...args, path, out]);
        variants.push(out);
      }
      for (const variant of variants) {
        const result = await inspect(new Uint8Array(readFileSync(variant)));
        expect({ variant, pages: result.pageCount }).toEqual({ variant, pages: qpdfPages(variant) });
      }
    }
  });
});

describe('signature counts agree with pdfsig', () => {
  itWithReferee('pdfsig', 'on a PDF signed twice by incremental updates', async () => {
    const bytes = await signedPdf(2);
    // pdfsig exits non-zero here because the placeholder signatures are not valid CMS; the listing is what counts.
    const listing = spawnSync('pdfsig', [write('firmado.pdf', bytes)], { encoding: 'utf8' }).stdout;
    const listed = listing.match(/^Signature #\d+:/gm)?.length ?? 0;
    expect(listed).toBe(2);
    expect((await inspect(bytes)).signatureCount).toBe(listed);
  });
});
