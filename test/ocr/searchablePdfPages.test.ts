import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScanPages } from '../../ocr-worker/engine/loadScanPages.ts';
import { searchablePdf } from '../../standards/pdf/searchablePdf.ts';
import { renderTextPage } from './renderFixture.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'legajo-pdfimages-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('PDF con texto desde páginas de escaneo', () => {
  it('incorpora la página gris como Flate con predictor, sin decodificarla, y poppler extrae los mismos píxeles', async () => {
    const page = await (await loadScanPages(await renderTextPage(['Acta de recepción de documentos'], { dpi: 150 }), { maxPixels: 1e8, maxPages: 1 })).load(0);
    const pdf = await searchablePdf([{ image: page.png, imageType: 'png', widthPx: page.width, heightPx: page.height, dpi: 150, words: [] }], { title: 'Acta', createdAt: new Date(0) });
    // The PNG's compressed data is in the PDF as it is: no re-encoding.
    const idat = page.png.subarray(page.png.indexOf('IDAT') + 4, page.png.indexOf('IDAT') + 4 + 64);
    expect(Buffer.from(pdf).includes(idat)).toBe(true);
    const file = path.join(scratch, 'acta.pdf');
    writeFileSync(file, pdf);
    const listed = spawnSync('pdfimages', ['-list', file], { encoding: 'utf8' });
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`image\\s+${page.width}\\s+${page.height}\\s+gray\\s+1\\s+8`));
    const extracted = spawnSync('pdfimages', ['-png', file, path.join(scratch, 'img')], { encoding: 'utf8' });
    expect(extracted.status, extracted.stderr).toBe(0);
    const [ours, theirs] = await Promise.all([page.png, readFileSync(path.join(scratch, 'img-000.png'))].map((png) => sharp(png).extractChannel(0).raw().toBuffer()));
    expect(Buffer.compare(ours!, theirs!)).toBe(0);
  });
});
