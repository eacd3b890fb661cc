import { deflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadScanPages, ScanRejectedError } from '../../ocr-worker/engine/loadScanPages.ts';
import type { ScanRejectionReason } from '../../ocr-worker/engine/loadScanPages.ts';
import { multiPageTiff, pngDeclaring, renderTextPage } from './renderFixture.ts';
import { greySamples, packBits, scanPdf, upPredicted } from './scanPdf.ts';

const limits = { maxPixels: 40_000_000, maxPages: 10 };

async function rejection(promise: Promise<unknown>): Promise<ScanRejectedError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ScanRejectedError);
  return error as ScanRejectedError;
}
const refused = async (bytes: Buffer, opts = limits): Promise<ScanRejectionReason> => (await rejection(loadScanPages(bytes, opts))).reason;

/** Mean absolute difference of two greyscale images of the same size, 0-255. */
async function difference(png: Buffer, grey: { data: Buffer; width: number; height: number }): Promise<number> {
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([grey.width, grey.height, 1]);
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += Math.abs(data[i]! - grey.data[i]!);
  return sum / data.length;
}

describe('loadScanPages', () => {
  it('convierte un PNG en una página PNG en escala de grises y conserva su resolución', async () => {
    const scan = await loadScanPages(await renderTextPage(['Oficio ordinario N.º 56']), limits);
    expect(scan.pages).toHaveLength(1);
    const page = await scan.load(0);
    expect(page.dpi).toBe(300);
    const meta = await sharp(page.png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.channels).toBe(1);
    expect([meta.width, meta.height]).toEqual([page.width, page.height]);
    expect([scan.pages[0]!.width, scan.pages[0]!.height]).toEqual([page.width, page.height]);
  });

  it('acepta JPEG con color y transparencia aplanada', async () => {
    const jpeg = await sharp(await renderTextPage(['Acta de recepción'])).jpeg().toBuffer();
    expect((await sharp((await (await loadScanPages(jpeg, limits)).load(0)).png).metadata()).channels).toBe(1);
  });

  it('separa un TIFF de varias páginas', async () => {
    const page = await renderTextPage(['Página del expediente']);
    const scan = await loadScanPages(await multiPageTiff([page, page, page]), limits);
    expect(scan.pages).toHaveLength(3);
    expect((await scan.load(2)).width).toBe(2550);
  });

  it('cuenta y valida un TIFF de 300 páginas leyendo solo cabeceras, y decodifica cada página al pedirla', async () => {
    const tiny = await sharp({ create: { width: 40, height: 60, channels: 3, background: '#c8c8c8' } }).png().toBuffer();
    const tiff = await multiPageTiff(Array.from({ length: 300 }, () => tiny));
    const scan = await loadScanPages(tiff, { maxPixels: 10_000, maxPages: 300 });
    expect(scan.pages).toHaveLength(300);
    expect(scan.pages.every((p) => p.width === 40 && p.height === 60)).toBe(true);
    expect((await scan.load(299)).height).toBe(60);
    expect(await refused(tiff, { maxPixels: 10_000, maxPages: 299 })).toBe('too-many-pages');
  });

  it('rechaza un archivo vacío', async () => {
    expect(await refused(Buffer.alloc(0))).toBe('empty');
  });

  it('rechaza un archivo de texto y formatos no admitidos', async () => {
    expect(await refused(Buffer.from('Esto no es una imagen escaneada.\n'))).toBe('unsupported');
    expect(await refused(await sharp(await renderTextPage(['x'])).webp().toBuffer())).toBe('unsupported');
  });

  it('rechaza por su cabecera una bomba de 100 000 × 100 000 píxeles sin decodificarla', async () => {
    const bomb = pngDeclaring(100_000, 100_000);
    expect(bomb.length).toBeLessThan(200_000);
    expect(await refused(bomb)).toBe('too-large');
  });

  it('rechaza sin decodificar un PNG o un JPEG truncados, y falla al cargarla la página dañada de un TIFF', async () => {
    const png = await renderTextPage(['Resolución exenta']);
    expect(await refused(png.subarray(0, Math.floor(png.length / 2)))).toBe('truncated');
    const jpeg = await sharp(png).jpeg().toBuffer();
    expect(await refused(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).toBe('truncated');
    const tiff = await sharp(png).tiff({ compression: 'deflate' }).toBuffer();
    const cut = tiff.subarray(0, Math.floor(tiff.length * 0.6));
    // Whether libtiff notices at the header or at the pixels depends on where the strip offsets lie; either way, truncated.
    const error = await rejection(loadScanPages(cut, limits).then((scan) => scan.load(0)));
    expect(error.reason).toBe('truncated');
    expect(error.message).toMatch(/dañada|cabecera/);
  });

  it('rechaza un TIFF con más páginas que el máximo', async () => {
    const page = await renderTextPage(['Foja']);
    expect(await refused(await multiPageTiff([page, page]), { ...limits, maxPages: 1 })).toBe('too-many-pages');
  });
});

describe('loadScanPages con PDF de imágenes', () => {
  const letter: [number, number] = [612, 792];

  it('lee un PDF de escáner con JPEG y PNG (pdf-lib) y deduce la resolución del tamaño de página', async () => {
    const png = await renderTextPage(['Solicitud de subsidio'], { dpi: 200 });
    const doc = await PDFDocument.create();
    for (const image of [await doc.embedJpg(await sharp(png).jpeg().toBuffer()), await doc.embedPng(png)]) {
      // The page is as wide as 8.5 inches: 1700 px at 200 dpi.
      const page = doc.addPage([612, (612 * image.height) / image.width]);
      page.drawImage(image, { x: 0, y: 0, width: page.getWidth(), height: page.getHeight() });
    }
    const scan = await loadScanPages(Buffer.from(await doc.save()), limits);
    expect(scan.pages).toEqual([
      { width: 1700, height: expect.any(Number), dpi: 200 },
      { width: 1700, height: expect.any(Number), dpi: 200 },
    ]);
    const grey = await greySamples(png);
    for (const index of [0, 1]) expect(await difference((await scan.load(index)).png, grey)).toBeLessThan(3);
  });

  it('decodifica Flate de 8 bits con predictor PNG, 1 bit con y sin /Decode invertido, y aplica /Rotate', async () => {
    const grey = await greySamples(await renderTextPage(['Oficio N.º 12'], { dpi: 100 }));
    const gray8 = `/Width ${grey.width} /Height ${grey.height} /ColorSpace /DeviceGray /BitsPerComponent 8`;
    const gray1 = `/Width ${grey.width} /Height ${grey.height} /ColorSpace /DeviceGray /BitsPerComponent 1`;
    const rowBytes = Math.ceil(grey.width / 8);
    const size: [number, number] = [(grey.width * 72) / 100, (grey.height * 72) / 100];
    const pdf = scanPdf([
      { image: { dict: `${gray8} /Filter /FlateDecode /DecodeParms <</Predictor 12 /Colors 1 /BitsPerComponent 8 /Columns ${grey.width}>>`, data: upPredicted(grey.data, grey.width) }, size },
      { image: { dict: `${gray1} /Filter /FlateDecode`, data: deflateSync(packBits(grey)) }, size },
      { image: { dict: `${gray1} /Decode [1 0]`, data: packBits(grey, true) }, size },
      { image: { dict: `/Width ${grey.width} /Height ${grey.height} /ImageMask true`, data: packBits(grey) }, size, rotate: 90 },
    ]);
    expect(rowBytes * grey.height).toBe(packBits(grey).length);
    const scan = await loadScanPages(pdf, limits);
    expect(scan.pages.map((p) => p.dpi)).toEqual([100, 100, 100, 100]);
    expect(scan.pages[3]).toEqual({ width: grey.height, height: grey.width, dpi: 100 });
    expect(await difference((await scan.load(0)).png, grey)).toBe(0);
    // Thresholding to one bit changes only the anti-aliased edges of the glyphs.
    for (const index of [1, 2]) expect(await difference((await scan.load(index)).png, grey)).toBeLessThan(8);
    const rotated = await scan.load(3);
    expect([rotated.width, rotated.height]).toEqual([grey.height, grey.width]);
    expect(await difference(await sharp(rotated.png).rotate(-90).png().toBuffer(), grey)).toBeLessThan(8);
  });

  it('rechaza un PDF sin imágenes (nacido digital) indicando registrarlo como documento', async () => {
    const error = await rejection(loadScanPages(scanPdf([{ image: null, size: letter }]), limits));
    expect(error.reason).toBe('not-a-scan');
    expect(error.message).toMatch(/^No es una digitalización: el PDF no contiene imágenes; regístrelo como documento/);
    const mixed = await rejection(loadScanPages(scanPdf([{ image: { dict: '/Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8', data: new Uint8Array(64) }, size: letter }, { image: null, size: letter }]), limits));
    expect(mixed.message).toMatch(/página 2 del PDF no contiene una imagen/);
  });

  it('rechaza CCITT, JBIG2 y JPEG 2000 nombrando la codificación, y espacios de color indexados', async () => {
    const image = (dict: string) => scanPdf([{ image: { dict: `/Width 8 /Height 8 ${dict}`, data: new Uint8Array(8) }, size: letter }]);
    for (const [filter, name] of [['CCITTFaxDecode', 'CCITT G3/G4'], ['JBIG2Decode', 'JBIG2'], ['JPXDecode', 'JPEG 2000']] as const) {
      const error = await rejection(loadScanPages(image(`/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /${filter}`), limits));
      expect(error.reason).toBe('unsupported');
      expect(error.message).toContain(`codificada en ${name}`);
    }
    const indexed = await rejection(loadScanPages(image('/ColorSpace [/Indexed /DeviceRGB 1 <000000ffffff>] /BitsPerComponent 8'), limits));
    expect(indexed.message).toMatch(/espacio de color Indexed/);
  });

  it('rechaza por su /Width × /Height declarados una imagen bomba sin leer sus datos, y el exceso de páginas', async () => {
    const bomb = scanPdf([{ image: { dict: '/Width 100000 /Height 100000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode', data: deflateSync(Buffer.alloc(1000)) }, size: letter }]);
    expect(await refused(bomb)).toBe('too-large');
    const page = { image: { dict: '/Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8', data: new Uint8Array(64) }, size: letter };
    expect(await refused(scanPdf([page, page, page]), { ...limits, maxPages: 2 })).toBe('too-many-pages');
  });

  it('una imagen Flate con menos o con muchos más datos que sus píxeles (bomba de compresión) falla al cargar su página', async () => {
    const short = scanPdf([{ image: { dict: '/Width 100 /Height 100 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode', data: deflateSync(Buffer.alloc(500)) }, size: letter }]);
    const scan = await loadScanPages(short, limits);
    expect((await rejection(scan.load(0))).message).toMatch(/menos datos/);
    // 64 MiB of zeros deflate to 64 KiB; inflation stops just past what 100×100 pixels need.
    const bomb = scanPdf([{ image: { dict: '/Width 100 /Height 100 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode', data: deflateSync(Buffer.alloc(64 * 1024 * 1024)) }, size: letter }]);
    const error = await rejection((await loadScanPages(bomb, limits)).load(0));
    expect(error.reason).toBe('truncated');
    expect(error.message).toMatch(/se expande a más de 11124 bytes/);
  });

  it('un PDF truncado se rechaza como dañado', async () => {
    const page = { image: { dict: '/Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8', data: new Uint8Array(64) }, size: letter };
    const pdf = scanPdf([page]);
    expect(await refused(pdf.subarray(0, pdf.length - 40))).toBe('truncated');
  });
});
