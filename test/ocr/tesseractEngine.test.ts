import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characterErrorRate } from '../../ocr-worker/engine/characterErrorRate.ts';
import { loadScanPages } from '../../ocr-worker/engine/loadScanPages.ts';
import { OcrError } from '../../ocr-worker/engine/OcrEngine.ts';
import type { OcrEngine } from '../../ocr-worker/engine/OcrEngine.ts';
import { createTesseractEngine } from '../../ocr-worker/engine/tesseractEngine.ts';
import { sharedPath } from '../helpers/sharedData.ts';
import { renderTextPage } from './renderFixture.ts';

const RESOLUTION = 'Resolución exenta N.º 1234 que aprueba el convenio de colaboración con la Municipalidad de Ñuñoa';
const RESOLUTION_LINES = ['Resolución exenta N.º 1234 que aprueba el convenio', 'de colaboración con la Municipalidad de Ñuñoa'];
const limits = { maxPixels: 40_000_000, maxPages: 10 };
const OCR_TIMEOUT = 120_000;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function resolutionPage() {
  const page = await (await loadScanPages(await renderTextPage(RESOLUTION_LINES), limits)).load(0);
  return { png: page.png, dpi: page.dpi ?? 300 };
}

describe('createTesseractEngine', () => {
  let engine: OcrEngine;
  beforeAll(async () => {
    engine = await createTesseractEngine({ workers: 2 });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('lee en español una resolución impresa a 300 dpi', { timeout: OCR_TIMEOUT }, async () => {
    const result = await engine.recognize(await resolutionPage(), { lang: 'spa', timeoutMs: 60_000 });
    const cer = characterErrorRate(RESOLUTION, result.text);
    console.info(`CER de la resolución renderizada: ${(100 * cer).toFixed(2)} %`);
    // Measured 2.08 %: of 96 characters, the ordinal º of «N.º» is read «2» and the capital Ñ of «Ñuñoa» «N», both rare
    // in the training text. 3 % admits those two misreadings and no third.
    expect(cer).toBeLessThanOrEqual(0.03);
    expect(result.words.length).toBeGreaterThanOrEqual(15);
    expect(result.confidence).toBeGreaterThan(70);
    expect(result.words.find((word) => word.text === 'Municipalidad')?.bbox.x1).toBeGreaterThan(0);
    expect(result.width).toBe(2550);
  });

  it('lee la página 11 de Pardo Bazán (1894) con un CER cercano al de Tesseract nativo', { timeout: OCR_TIMEOUT }, async () => {
    const page = await (await loadScanPages(await readFile(sharedPath('ocr-samples', 'images', 'pardobazan1894_p011.jpg')), limits)).load(0);
    const reference = await readFile(sharedPath('ocr-samples', 'gt', 'pardobazan1894_p011.gt.txt'), 'utf8');
    const result = await engine.recognize({ png: page.png, dpi: page.dpi ?? 300 }, { lang: 'spa', timeoutMs: 90_000 });
    const cer = characterErrorRate(reference, result.text);
    console.info(`CER de pardobazan1894_p011 (spa): ${(100 * cer).toFixed(2)} % (Tesseract nativo 5.3: 1,53 %)`);
    // Measured 2.12 % with tesseract.js 7 and best_int data; native Tesseract scores 1.53 %.
    expect(cer).toBeLessThanOrEqual(0.03);
  });

  it('rechaza con un error claro la página que excede su tiempo y el grupo sigue funcionando', { timeout: OCR_TIMEOUT }, async () => {
    const page = await resolutionPage();
    const late = engine.recognize(page, { lang: 'spa', timeoutMs: 1 });
    await expect(late).rejects.toBeInstanceOf(OcrError);
    await expect(late).rejects.toMatchObject({ reason: 'timeout', message: expect.stringMatching(/tiempo máximo de 1 ms/) });

    // More pages than workers: the replaced worker and the other one both take work again.
    const results = await Promise.all([1, 2, 3].map(() => engine.recognize(page, { lang: 'spa', timeoutMs: 60_000 })));
    for (const result of results) expect(characterErrorRate(RESOLUTION, result.text)).toBeLessThanOrEqual(0.03);
  });

  it('cancela con AbortSignal una página en espera', { timeout: OCR_TIMEOUT }, async () => {
    const page = await resolutionPage();
    const controller = new AbortController();
    const busy = [1, 2].map(() => engine.recognize(page, { lang: 'spa', timeoutMs: 60_000 }));
    const waiting = engine.recognize(page, { lang: 'spa', timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ reason: 'aborted' });
    await Promise.all(busy);
  });

  it('cambia de idioma en el mismo worker', { timeout: OCR_TIMEOUT }, async () => {
    const page = await resolutionPage();
    const both = await engine.recognize(page, { lang: 'spa+eng', timeoutMs: 60_000 });
    const english = await engine.recognize(page, { lang: 'eng', timeoutMs: 60_000 });
    expect(characterErrorRate(RESOLUTION, both.text)).toBeLessThanOrEqual(0.05);
    expect(english.text).toMatch(/1234/);
  });

  it('rechaza lo que no es PNG', async () => {
    await expect(engine.recognize({ png: Buffer.from('texto'), dpi: 300 }, { lang: 'spa', timeoutMs: 1000 })).rejects.toBeInstanceOf(TypeError);
  });
});

describe('close', () => {
  it('rechaza las páginas en curso y en espera, y las que lleguen después', { timeout: OCR_TIMEOUT }, async () => {
    const engine = await createTesseractEngine({ workers: 1 });
    const page = await resolutionPage();
    const pending = [1, 2].map((): Promise<unknown> => engine.recognize(page, { lang: 'spa', timeoutMs: 60_000 }).catch((error: unknown) => error));
    await engine.close();
    for (const error of await Promise.all(pending)) expect(error).toMatchObject({ reason: 'closed' });
    await expect(engine.recognize(page, { lang: 'spa', timeoutMs: 60_000 })).rejects.toMatchObject({ reason: 'closed' });
  });
});

describe('sin red', () => {
  it('carga los idiomas del disco aunque fetch y las conexiones fallen en todos los hilos', { timeout: OCR_TIMEOUT }, () => {
    // Preloaded with --import, the process and every worker thread it spawns (they inherit execArgv) lose the network.
    const noNetwork = `data:text/javascript,${encodeURIComponent(
      "import net from 'node:net';"
        + "globalThis.fetch = () => { throw new Error('red prohibida: fetch'); };"
        + "net.Socket.prototype.connect = function () { throw new Error('red prohibida: connect'); };",
    )}`;
    const engineUrl = pathToFileURL(path.join(repoRoot, 'ocr-worker/engine/tesseractEngine.ts')).href;
    const fixtureUrl = pathToFileURL(path.join(repoRoot, 'test/ocr/renderFixture.ts')).href;
    const script = `
      const { createTesseractEngine } = await import(${JSON.stringify(engineUrl)});
      const { renderTextPage } = await import(${JSON.stringify(fixtureUrl)});
      const engine = await createTesseractEngine({ workers: 1 });
      const png = await renderTextPage(['Municipalidad de Ñuñoa']);
      const result = await engine.recognize({ png, dpi: 300 }, { lang: 'spa+eng', timeoutMs: 60000 });
      await engine.close();
      process.stdout.write('TEXTO:' + result.text);
    `;
    // A file rather than --eval: worker threads inherit execArgv, and refuse --input-type.
    const scratch = mkdtempSync(path.join(tmpdir(), 'legajo-ocr-sin-red-'));
    const scriptFile = path.join(scratch, 'sinRed.mts');
    writeFileSync(scriptFile, script);
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--import', noNetwork, scriptFile], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 90_000,
    });
    rmSync(scratch, { recursive: true, force: true });
    expect(child.stderr).not.toMatch(/red prohibida|fetch failed/);
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/TEXTO:[^]*Municipalidad de .uñoa/);
  });
});
