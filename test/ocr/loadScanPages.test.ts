import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadScanPages, ScanRejectedError } from '../../ocr-worker/engine/loadScanPages.ts';
import type { ScanRejectionReason } from '../../ocr-worker/engine/loadScanPages.ts';
import { multiPageTiff, pngDeclaring, renderTextPage } from './renderFixture.ts';

const limits = { maxPixels: 40_000_000, maxPages: 10 };

async function rejection(bytes: Buffer, opts = limits): Promise<ScanRejectionReason> {
  const error: unknown = await loadScanPages(bytes, opts).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ScanRejectedError);
  return (error as ScanRejectedError).reason;
}

describe('loadScanPages', () => {
  it('convierte un PNG en una página PNG en escala de grises y conserva su resolución', async () => {
    const [page, ...rest] = await loadScanPages(await renderTextPage(['Oficio ordinario N.º 56']), limits);
    expect(rest).toHaveLength(0);
    expect(page!.dpi).toBe(300);
    const meta = await sharp(page!.png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.channels).toBe(1);
    expect([meta.width, meta.height]).toEqual([page!.width, page!.height]);
  });

  it('acepta JPEG con color y transparencia aplanada', async () => {
    const jpeg = await sharp(await renderTextPage(['Acta de recepción'])).jpeg().toBuffer();
    const [page] = await loadScanPages(jpeg, limits);
    expect((await sharp(page!.png).metadata()).channels).toBe(1);
  });

  it('separa un TIFF de varias páginas', async () => {
    const page = await renderTextPage(['Página del expediente']);
    const pages = await loadScanPages(await multiPageTiff([page, page, page]), limits);
    expect(pages).toHaveLength(3);
  });

  it('rechaza un archivo vacío', async () => {
    expect(await rejection(Buffer.alloc(0))).toBe('empty');
  });

  it('rechaza un archivo de texto y formatos no admitidos', async () => {
    expect(await rejection(Buffer.from('Esto no es una imagen escaneada.\n'))).toBe('unsupported');
    expect(await rejection(await sharp(await renderTextPage(['x'])).webp().toBuffer())).toBe('unsupported');
  });

  it('rechaza por su cabecera una bomba de 100 000 × 100 000 píxeles sin decodificarla', async () => {
    const bomb = pngDeclaring(100_000, 100_000);
    expect(bomb.length).toBeLessThan(200_000);
    expect(await rejection(bomb)).toBe('too-large');
  });

  it('rechaza un PNG truncado', async () => {
    const png = await renderTextPage(['Resolución exenta']);
    expect(await rejection(png.subarray(0, Math.floor(png.length / 2)))).toBe('truncated');
  });

  it('rechaza un TIFF con más páginas que el máximo', async () => {
    const page = await renderTextPage(['Foja']);
    expect(await rejection(await multiPageTiff([page, page]), { ...limits, maxPages: 1 })).toBe('too-many-pages');
  });
});
