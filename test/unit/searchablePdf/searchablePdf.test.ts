import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { SearchablePdfError, searchablePdf, type PixelBox, type ScannedPage } from '../../../standards/pdf/searchablePdf.ts';
import { pdftotext } from '../../helpers/pdftotext.ts';
import { itWithReferee } from '../../helpers/referee.ts';

const AT = new Date('2026-11-24T13:05:00Z');
const META = { title: 'Resolución exenta N.º 1234 — Ñuñoa ✓ (digitalizada)', createdAt: AT };
/** A4 at 150 dpi: big enough to look like a scan, small enough to keep the tests quick. */
const A4_150 = { widthPx: 1240, heightPx: 1754, dpi: 150 };

type Word = { text: string; bbox: PixelBox };

/** A white greyscale page with a black rectangle where each word is, like a scan the OCR engine would have read. */
async function scan(words: Word[], size = A4_150): Promise<ScannedPage> {
  const image = await sharp({ create: { width: size.widthPx, height: size.heightPx, channels: 3, background: '#fff' } })
    .composite(words.map(({ bbox: b }) => ({ input: { create: { width: b.x1 - b.x0, height: b.y1 - b.y0, channels: 3, background: '#000' } }, left: b.x0, top: b.y0 })))
    .greyscale()
    .png()
    .toBuffer();
  return { image: new Uint8Array(image), imageType: 'png', ...size, words };
}

/** Words laid out left to right on a line, 20 px apart, each as wide as its length suggests. */
function line(texts: string[], top: number, left = 100, height = 40): Word[] {
  let x = left;
  return texts.map((text) => {
    const bbox = { x0: x, y0: top, x1: x + text.length * 22, y1: top + height };
    x = bbox.x1 + 20;
    return { text, bbox };
  });
}

const RESOLUTION = [...line(['Resolución', 'exenta', 'N.º', '1234'], 200), ...line(['Ñuñoa,', '3', 'de', 'marzo', 'de', '2026'], 280)];
/** Shared by the tests that only read it. */
const resolution = await scan(RESOLUTION);

/** Each word as pdftotext -bbox places it, in points from the top-left corner. */
function wordBoxes(pdf: Uint8Array): Array<{ text: string; xMin: number; yMin: number; xMax: number; yMax: number }> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'legajo-searchable-')), 'page.pdf');
  writeFileSync(file, pdf);
  const result = spawnSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pdftotext falló: ${result.stderr}`);
  return [...result.stdout.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)].map((m) => ({
    text: m[5]!.replace(/&amp;/g, '&'),
    xMin: Number(m[1]),
    yMin: Number(m[2]),
    xMax: Number(m[3]),
    yMax: Number(m[4]),
  }));
}

/** pdf.js as a second reader: the drawing operations of the first page. */
async function operatorList(bytes: Uint8Array) {
  const task = getDocument({ data: bytes.slice(), isEvalSupported: false, useWasm: false, useSystemFonts: false, verbosity: 0 });
  try {
    return await (await (await task.promise).getPage(1)).getOperatorList();
  } finally {
    await task.destroy();
  }
}

describe('searchablePdf', () => {
  itWithReferee('pdftotext', 'pdftotext lee las palabras en orden de lectura, una línea por renglón', async () => {
    const pdf = await searchablePdf([resolution], META);
    const text = pdftotext(pdf);
    expect(text.trim().split('\n')).toEqual(['Resolución exenta N.º 1234', 'Ñuñoa, 3 de marzo de 2026']);
  });

  itWithReferee('pdftotext', 'cada página escaneada es una página del PDF con su propio texto, sea PNG o JPEG', async () => {
    const second = await scan(line(['Segunda', 'página'], 900));
    const jpeg = { ...second, image: new Uint8Array(await sharp(second.image).jpeg().toBuffer()), imageType: 'jpeg' as const };
    const pdf = await searchablePdf([await scan(line(['Primera', 'página'], 300)), jpeg], META);
    expect(pdftotext(pdf, 1).trim()).toBe('Primera página');
    expect(pdftotext(pdf, 2).trim()).toBe('Segunda página');
    expect((await PDFDocument.load(pdf)).getPageCount()).toBe(2);
  });

  itWithReferee('pdftotext', 'los caracteres fuera de WinAnsi salen como «?»', async () => {
    const pdf = await searchablePdf([await scan(line(['Ωmega', 'año', '✓'], 300))], META);
    expect(pdftotext(pdf).trim()).toBe('?mega año ?');
  });

  it('el tamaño de la página sale de los píxeles y la resolución: 2480×3508 px a 300 dpi es A4', async () => {
    const pdf = await searchablePdf([await scan([], { widthPx: 2480, heightPx: 3508, dpi: 300 })], META);
    const { width, height } = (await PDFDocument.load(pdf)).getPage(0).getSize();
    expect(width).toBeCloseTo(595.28, 0);
    expect(height).toBeCloseTo(841.89, 0);
  });

  it('dibuja la imagen y el texto en modo invisible (Tr 3)', async () => {
    const ops = await operatorList(await searchablePdf([resolution], META));
    const calls = ops.fnArray.map((fn, i) => [fn, ops.argsArray[i]] as const);
    expect(calls.some(([fn]) => fn === OPS.paintImageXObject)).toBe(true);
    const modes = calls.filter(([fn]) => fn === OPS.setTextRenderingMode).map(([, args]) => (args as number[])[0]);
    expect(modes).toEqual([3]);
  });

  itWithReferee('pdftotext', 'cada palabra ocupa el recuadro de su palabra en la imagen, para que la selección coincida', async () => {
    const page = resolution;
    const boxes = wordBoxes(await searchablePdf([page], META));
    expect(boxes.map((b) => b.text)).toEqual(RESOLUTION.map((w) => w.text));
    const pt = (px: number) => (px * 72) / A4_150.dpi;
    boxes.forEach((box, i) => {
      const { bbox } = RESOLUTION[i]!;
      expect(box.xMin, box.text).toBeCloseTo(pt(bbox.x0), 0);
      expect(box.xMax, box.text).toBeCloseTo(pt(bbox.x1), 0);
      // The glyph box runs from the descender to the ascender, so it covers the word's line band.
      expect(box.yMin, box.text).toBeLessThanOrEqual(pt(bbox.y0) + 1);
      expect(box.yMax, box.text).toBeGreaterThanOrEqual(pt(bbox.y1) - 1);
    });
  });

  it('guarda título, idioma es-CL, creador y fecha de creación', async () => {
    const doc = await PDFDocument.load(await searchablePdf([resolution], { ...META, author: 'Oficina de Partes' }), { updateMetadata: false });
    expect(doc.getTitle()).toBe(META.title);
    expect(doc.getAuthor()).toBe('Oficina de Partes');
    expect(doc.getCreator()).toBe('legajo');
    expect(doc.getCreationDate()?.toISOString()).toBe(AT.toISOString());
    expect(doc.catalog.get(doc.context.obj('Lang'))?.toString()).toBe('(es-CL)');
  });

  it('la misma entrada da los mismos bytes', async () => {
    const page = resolution;
    const first = await searchablePdf([page], META);
    // PDF dates count whole seconds: cross one, so a clock reading in the output would show.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(Buffer.from(await searchablePdf([page], META)).equals(Buffer.from(first))).toBe(true);
  });

  describe('rechaza con SearchablePdfError y mensaje en castellano', () => {
    const rejects = async (make: () => Promise<Parameters<typeof searchablePdf>[0]>, message: RegExp) => {
      const attempt = searchablePdf(await make(), META);
      await expect(attempt).rejects.toBeInstanceOf(SearchablePdfError);
      await expect(attempt).rejects.toThrow(message);
    };

    it('sin páginas', () => rejects(async () => [], /al menos una página/));

    it('una imagen PNG declarada como JPEG', () => rejects(async () => [{ ...resolution, imageType: 'jpeg' }], /Página 1: la imagen no es JPEG/));

    it('una imagen dañada', () =>
      rejects(async () => {
        const page = resolution;
        return [{ ...page, image: page.image.slice(0, 60) }];
      }, /Página 1: la imagen PNG está dañada/));

    it('una imagen de otro tamaño que el declarado', () => rejects(async () => [{ ...resolution, widthPx: 1000 }], /mide 1240×1754 px, no los 1000×1754/));

    it('un recuadro con coordenadas negativas', () =>
      rejects(async () => {
        const page = resolution;
        return [page, { ...page, words: [{ text: 'fuera', bbox: { x0: -5, y0: 10, x1: 40, y1: 30 } }] }];
      }, /Página 2: el recuadro de la palabra 1/));

    it('una resolución que no es positiva', () => rejects(async () => [{ ...resolution, dpi: 0 }], /Página 1: la resolución 0 dpi/));
  });
});
