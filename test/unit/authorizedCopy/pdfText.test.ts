import { PDFDocument, StandardFonts, type PDFFont } from 'pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { chileanShortDateTime, winAnsiText, wrapToWidth } from '../../../standards/chile/pdfText.ts';
import { layoutFooter } from '../../../standards/chile/verificationFooter.ts';

let helvetica: PDFFont;

beforeAll(async () => {
  helvetica = await (await PDFDocument.create()).embedFont(StandardFonts.Helvetica);
});

describe('winAnsiText', () => {
  it('keeps exactly what Helvetica can encode', () => {
    const encodable = new Set(helvetica.getCharacterSet());
    for (let cp = 0x21; cp <= 0x2122; cp++) {
      const ch = String.fromCodePoint(cp);
      if (/\s/u.test(ch) || ch.normalize('NFC') !== ch) continue;
      expect(winAnsiText(ch), `U+${cp.toString(16)}`).toBe(encodable.has(cp) ? ch : '?');
    }
  });

  it('turns an emoji into one "?", any whitespace run into one space, and composes decomposed accents', () => {
    expect(winAnsiText('año 👩‍⚖️\n\tÑuñoa\u202f10 🇨🇱')).toBe('año ? Ñuñoa 10 ?');
    expect(winAnsiText('Resolucio\u0301n')).toBe('Resolución');
  });
});

describe('wrapToWidth', () => {
  it('wraps between words and breaks a URL after a separator', () => {
    const lines = wrapToWidth('Informe de fiscalización https://www.ejemplo.gob.cl/documentos/2026/informe-final.pdf', helvetica, 8, 120);
    for (const line of lines) expect(helvetica.widthOfTextAtSize(line, 8)).toBeLessThanOrEqual(120);
    expect(lines.join('')).toBe('Informe de fiscalizaciónhttps://www.ejemplo.gob.cl/documentos/2026/informe-final.pdf');
    expect(lines.slice(1, -1).every((l) => /[/.]$/.test(l))).toBe(true);
  });

  it('breaks a token with no separator between characters', () => {
    const lines = wrapToWidth('a'.repeat(100), helvetica, 8, 50);
    expect(lines.join('')).toBe('a'.repeat(100));
    expect(lines.length).toBeGreaterThan(1);
  });
});

describe('layoutFooter', () => {
  const code = 'K7QF-2M9X-PA4T-8WZC-R3D1';
  const url = `https://legajo.ejemplo.gob.cl/verify/${code}`;

  it('uses one 7 pt line when it fits, two lines on a narrow page, and more at 5 pt when the URL needs them', () => {
    expect(layoutFooter(helvetica, code, url, 560)).toMatchObject({ size: 7, lines: [`Copia autorizada · código ${code} · verifique en ${url}`] });
    expect(layoutFooter(helvetica, code, url, 180).lines).toEqual([`Copia autorizada · código ${code}`, `verifique en ${url}`]);
    const tiny = layoutFooter(helvetica, code, url, 60);
    expect(tiny.size).toBe(5);
    expect(tiny.lines.length).toBeGreaterThan(2);
    expect(tiny.height).toBeGreaterThan(tiny.lines.length * 5);
  });
});

describe('chileanShortDateTime', () => {
  it('shows the Chilean clock in summer and in winter', () => {
    expect(chileanShortDateTime(new Date('2026-01-15T16:00:00Z'))).toBe('15-01-2026 13:00');
    expect(chileanShortDateTime(new Date('2026-07-01T16:00:00Z'))).toBe('01-07-2026 12:00');
  });
});
