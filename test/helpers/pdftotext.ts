import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const scratch = mkdtempSync(path.join(tmpdir(), 'legajo-pdftotext-'));
let counter = 0;

/** poppler's `pdftotext file.pdf -` on the whole file, or on one page: the independent reading of a PDF's text. */
export function pdftotext(pdf: Uint8Array, page?: number): string {
  const file = path.join(scratch, `pdf-${++counter}.pdf`);
  writeFileSync(file, pdf);
  const range = page ? ['-f', `${page}`, '-l', `${page}`] : [];
  const result = spawnSync('pdftotext', [...range, file, '-'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pdftotext falló: ${result.stderr}`);
  return result.stdout;
}
