import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characterErrorRate } from '../../ocr-worker/engine/characterErrorRate.ts';
import { deskewAngle } from '../../ocr-worker/engine/deskewAngle.ts';
import { detectOrientation } from '../../ocr-worker/engine/detectOrientation.ts';
import { loadScanPages } from '../../ocr-worker/engine/loadScanPages.ts';
import type { OcrEngine } from '../../ocr-worker/engine/OcrEngine.ts';
import { createTesseractEngine } from '../../ocr-worker/engine/tesseractEngine.ts';
import { sharedPath } from '../helpers/sharedData.ts';
import { renderTextPage } from './renderFixture.ts';

const LINES = ['Resolución exenta N.º 1234 que aprueba el convenio', 'de colaboración con la Municipalidad de Ñuñoa', 'para la postulación al subsidio habitacional.'];
const limits = { maxPixels: 40_000_000, maxPages: 10 };
const skewed = async (png: Buffer, degrees: number) => sharp(png).rotate(degrees, { background: '#ffffff' }).png().toBuffer();

describe('deskewAngle', () => {
  it('encuentra la inclinación de una página renderizada y de una página escaneada de la muestra compartida', async () => {
    const fixture = await renderTextPage(LINES);
    const scan = await sharp(await readFile(sharedPath('ocr-samples', 'images', 'pardobazan1894_p011.jpg'))).toColourspace('b-w').png().toBuffer();
    for (const page of [fixture, scan]) {
      expect(await deskewAngle(page)).toBe(0);
      for (const degrees of [1.5, -3, 4.2]) expect(Math.abs((await deskewAngle(await skewed(page, degrees))) + degrees)).toBeLessThanOrEqual(0.2);
    }
    expect(await deskewAngle(await sharp({ create: { width: 300, height: 400, channels: 3, background: '#ffffff' } }).png().toBuffer())).toBe(0);
  });

  it('loadScanPages endereza la página inclinada y aplica el giro pedido', async () => {
    const page = await renderTextPage(LINES, { dpi: 150 });
    const straight = await (await loadScanPages(page, limits)).load(0);
    const fixed = await (await loadScanPages(await skewed(page, 3), limits)).load(0);
    expect(await deskewAngle(fixed.png)).toBe(0);
    expect(fixed.width).toBeGreaterThan(straight.width);
    // The fixture is a wide strip of three lines; a quarter turn makes it tall.
    expect(straight.width).toBeGreaterThan(straight.height);
    const turned = await (await loadScanPages(page, limits)).load(0, 90);
    expect(turned.height).toBeGreaterThan(turned.width);
  });
});

describe('detectOrientation', () => {
  let engine: OcrEngine;
  beforeAll(async () => {
    engine = await createTesseractEngine({ workers: 1 });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('reconoce una página al revés, y deja como está una página derecha', { timeout: 180_000 }, async () => {
    const opts = { lang: 'spa' as const, timeoutMs: 90_000 };
    const upright = await (await loadScanPages(await renderTextPage(LINES), limits)).load(0);
    const upsideDown = await (await loadScanPages(await renderTextPage(LINES), limits)).load(0, 180);
    const read = await engine.recognize({ png: upsideDown.png, dpi: 300 }, opts);
    expect(characterErrorRate(LINES.join('\n'), read.text)).toBeGreaterThan(0.5);
    expect(await detectOrientation(engine, { png: upsideDown.png, dpi: 300 }, read.confidence, opts)).toBe(180);
    const good = await engine.recognize({ png: upright.png, dpi: 300 }, opts);
    expect(await detectOrientation(engine, { png: upright.png, dpi: 300 }, good.confidence, opts)).toBe(0);
  });
});
