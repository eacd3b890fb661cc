import { describe, expect, it } from 'vitest';
import { listPageImages, type ScanPdfRejectedError } from '../../../standards/pdf/listPageImages.ts';
import { countingSource } from '../content/countingSource.ts';
import { handmadePdf } from './handmadePdf.ts';

const limits = { maxPages: 500, maxPixels: 100_000_000 };
const page = (parent: number, image: number, extra = '') => `<</Type /Page /Parent ${parent} 0 R /Resources <</XObject <</Im0 ${image} 0 R>>>>${extra}>>`;

describe('listPageImages', () => {
  it('lista la imagen de cada página heredando /MediaBox y /Rotate de los nodos, sin leer los datos de las imágenes', async () => {
    // A 200 MB JPEG that is never materialised: listing must not read it.
    const huge = { length: 200 * 1024 * 1024, fill: 0x41 };
    const segments = handmadePdf(
      [
        '<</Type /Catalog /Pages 2 0 R>>',
        '<</Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 612 792] /Rotate 90>>',
        page(2, 5),
        page(2, 6, ' /Rotate 0'),
        { dict: '/Type /XObject /Subtype /Image /Width 5100 /Height 6600 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode', data: huge },
        { dict: '/Type /XObject /Subtype /Image /Width 2550 /Height 3300 /ColorSpace [/ICCBased 7 0 R] /BitsPerComponent 1 /Filter [/FlateDecode] /Decode [1 0]', data: new Uint8Array(10) },
        { dict: '/N 1', data: new Uint8Array(4) },
      ],
      '/Root 1 0 R',
    );
    const src = countingSource(segments);
    const images = await listPageImages(src, limits);
    expect(images).toMatchObject([
      { page: 1, width: 5100, height: 6600, encoding: 'jpeg', channels: 3, dpi: 600, rotate: 90 },
      { page: 2, width: 2550, height: 3300, encoding: 'flate', channels: 1, bitsPerComponent: 1, inverted: true, dpi: 300, rotate: 0 },
    ]);
    expect(src.bytesRead()).toBeLessThan(1024 * 1024);
  });

  it('toma la imagen más grande de una página que dibuja varias, también dentro de un formulario', async () => {
    const src = countingSource(
      handmadePdf(
        [
          '<</Type /Catalog /Pages 2 0 R>>',
          '<</Type /Pages /Kids [3 0 R] /Count 1>>',
          '<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources <</XObject <</Logo 4 0 R /Fm0 5 0 R>>>>>>',
          { dict: '/Type /XObject /Subtype /Image /Width 50 /Height 50 /ColorSpace /DeviceGray /BitsPerComponent 8', data: new Uint8Array(2500) },
          { dict: '/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources <</XObject <</Scan 6 0 R>>>>', data: new Uint8Array(0) },
          { dict: '/Type /XObject /Subtype /Image /Width 1275 /Height 1650 /ColorSpace /DeviceGray /BitsPerComponent 8', data: new Uint8Array(10) },
        ],
        '/Root 1 0 R',
      ),
    );
    expect(await listPageImages(src, limits)).toMatchObject([{ width: 1275, height: 1650, dpi: 150, encoding: 'none' }]);
  });

  it('rechaza filtros encadenados, profundidades de bits raras y CMYK sin JPEG', async () => {
    const one = (dict: string) =>
      countingSource(handmadePdf(['<</Type /Catalog /Pages 2 0 R>>', '<</Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 612 792]>>', page(2, 4), { dict: `/Type /XObject /Subtype /Image /Width 8 /Height 8 ${dict}`, data: new Uint8Array(8) }], '/Root 1 0 R'));
    const refusal = (dict: string) => listPageImages(one(dict), limits).then(() => null, (e: unknown) => e as ScanPdfRejectedError);
    expect((await refusal('/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter [/ASCII85Decode /FlateDecode]'))?.message).toMatch(/varios filtros encadenados \(ASCII85Decode, FlateDecode\)/);
    expect((await refusal('/ColorSpace /DeviceGray /BitsPerComponent 4'))?.message).toMatch(/4 bits por componente/);
    expect((await refusal('/ColorSpace /DeviceCMYK /BitsPerComponent 8 /Filter /FlateDecode'))?.message).toMatch(/CMYK/);
    expect((await refusal('/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /LZWDecode'))?.reason).toBe('unsupported-encoding');
  });
});
