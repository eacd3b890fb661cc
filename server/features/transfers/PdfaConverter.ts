import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Makes a PDF/A-2b preservation copy of a PDF file; both are paths on local disk, so memory stays bounded. */
export interface PdfaConverter {
  /** The program that converts, named in the PREMIS migration event and its agent. */
  readonly agent: { name: string; version: string };
  convert(input: string, output: string, signal?: AbortSignal): Promise<void>;
}

/** A PDF the converter could not turn into PDF/A: the copy is left out and the reason recorded. */
export class PdfaConversionError extends Error {
  override readonly name = 'PdfaConversionError';
}

const ABORTED = /PDF\/A processing aborted/i;

/** Streams the file looking for its PDF/A identification (pdfaid:part): the claim Ghostscript must have written. */
async function claimsPdfa(file: string): Promise<boolean> {
  let tail = '';
  for await (const chunk of createReadStream(file, { encoding: 'latin1', highWaterMark: 1 << 20 })) {
    const text = tail + (chunk as string);
    if (/pdfaid:part/.test(text)) return true;
    tail = text.slice(-64);
  }
  return false;
}

/**
 * Ghostscript's pdfwrite with -dPDFA=2 (archive-packages.md §6), run as an external program (AGPL). Its stock
 * PDFA_def.ps names the ICC profile by a relative path gs cannot open under -dSAFER; then gs prints "PDF/A processing
 * aborted" yet exits 0, so a copy of PDFA_def.ps pointing at the absolute profile is written once, stderr is read,
 * and the output is checked for its PDF/A claim before it is accepted. Null when gs or its profile is missing.
 */
export async function ghostscriptPdfaConverter(workDir: string, opts: { command?: string; timeoutMs?: number } = {}): Promise<PdfaConverter | null> {
  const command = opts.command ?? 'gs';
  const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const version = probe.stdout.trim();
  const share = `/usr/share/ghostscript/${version}`;
  const icc = path.join(share, 'iccprofiles', 'srgb.icc');
  const definition = path.join(share, 'lib', 'PDFA_def.ps');
  if (!existsSync(icc) || !existsSync(definition)) return null;
  await fs.mkdir(workDir, { recursive: true });
  const localDefinition = path.join(workDir, 'PDFA_def_local.ps');
  const stock = await fs.readFile(definition, 'latin1');
  await fs.writeFile(localDefinition, stock.replace(/^\/ICCProfile \(srgb\.icc\)/m, `/ICCProfile (${icc})`));
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  return {
    agent: { name: 'Ghostscript', version },
    async convert(input, output, signal) {
      const args = [
        '-q', '-dPDFA=2', '-dBATCH', '-dNOPAUSE', '-dNOOUTERSAVE', '-sColorConversionStrategy=RGB', '-sDEVICE=pdfwrite',
        '-dPDFACompatibilityPolicy=1', `--permit-file-read=${icc}`, `-sOutputFile=${output}`, localDefinition, input,
      ];
      const stderr = await new Promise<string>((resolve, reject) => {
        const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs, ...(signal ? { signal } : {}) });
        let err = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => {
          if (err.length < 8192) err += d;
        });
        child.on('error', reject);
        child.on('close', (code, killed) => {
          if (code === 0) resolve(err);
          else reject(new PdfaConversionError(`Ghostscript terminó con ${killed ? `la señal ${killed}` : `código ${code}`}: ${err.trim().slice(0, 500) || 'sin detalle'}`));
        });
      });
      if (ABORTED.test(stderr)) throw new PdfaConversionError(`Ghostscript abortó la conversión a PDF/A: ${stderr.trim().slice(0, 500)}`);
      if (!(await claimsPdfa(output))) throw new PdfaConversionError('Ghostscript no produjo un PDF/A (la salida no declara pdfaid).');
    },
  };
}
