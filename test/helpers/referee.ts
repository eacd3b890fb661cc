import { spawnSync } from 'node:child_process';
import { it } from 'vitest';

/** Debian package that provides each external referee, for the messages below and for .ci/run. */
const PACKAGES: Record<string, string> = {
  sha256sum: 'coreutils',
  pdfsig: 'poppler-utils',
  pdftotext: 'poppler-utils',
  xmllint: 'libxml2-utils',
  qpdf: 'qpdf',
  certutil: 'libnss3-tools',
  openssl: 'openssl',
  chromium: 'chromium',
  xmlsec1: 'xmlsec1',
  gs: 'ghostscript',
  unzip: 'unzip',
};

const available = new Map<string, boolean>();

function isInstalled(command: string): boolean {
  if (!available.has(command)) available.set(command, spawnSync('sh', ['-c', `command -v ${command}`]).status === 0);
  return available.get(command)!;
}

/**
 * A test judged by an independent tool. Where the tool is missing it is reported as skipped with the reason,
 * except under CI=true, where a missing referee fails: CI must never pass by not checking.
 */
export function itWithReferee(command: string, name: string, fn: () => Promise<void> | void, timeout?: number): void {
  if (isInstalled(command)) return void it(name, fn, timeout);
  const reason = `${command} no está instalado (apt-get install ${PACKAGES[command] ?? command})`;
  if (process.env.CI === 'true') {
    it(name, () => {
      throw new Error(`Falta el árbitro externo: ${reason}`);
    });
  } else {
    it.skip(`${name} [omitido: ${reason}]`, fn);
  }
}
