import type { CaseFileIndex } from './CaseFileIndex.ts';

/**
 * A remission package is a POSIX tar: the sealed index first (ENI's rule: index, then documents in index order),
 * each document at the path its index entry names, each nested case file's sealed index in its own folder followed
 * by its documents, and a sha256sum-style manifest last, so `sha256sum -c` works on the unpacked folder.
 */
export const INDEX_FILE = 'indice.xml';
export const MANIFEST_FILE = 'manifiesto-sha256.txt';

const pad6 = (n: number) => String(n).padStart(6, '0');
export const nestedFolder = (order: number) => `expedientes/${pad6(order)}/`;

export interface PackageFile {
  path: string;
  /** Hex SHA-256 the bytes must have. */
  sha256: string;
  kind: 'document' | 'nested-index';
  /** The entry's order, with the orders of the nested case files above it. */
  orders: number[];
}

/**
 * The files a package must carry after its index, in order. Removed entries are carried too: the index still
 * lists them, and the receiver must be able to check every hash it lists. A nested case file's documents follow
 * its own index, which the outer index embeds.
 */
export function packageFiles(index: CaseFileIndex, prefix = '', orders: number[] = []): PackageFile[] {
  const files: PackageFile[] = [];
  for (const e of index.entries) {
    if (e.kind === 'document') {
      if (!e.packagePath) throw new Error(`la entrada ${e.order} no indica su ruta en el paquete`);
      files.push({ path: prefix + e.packagePath, sha256: e.sha256, kind: 'document', orders: [...orders, e.order] });
    } else if (e.kind === 'case-file') {
      const folder = prefix + nestedFolder(e.order);
      files.push({ path: folder + INDEX_FILE, sha256: e.sha256, kind: 'nested-index', orders: [...orders, e.order] });
      files.push(...packageFiles(e.index, folder, [...orders, e.order]));
    }
  }
  return files;
}

export const manifestText = (files: Array<{ path: string; sha256: string }>) => files.map((f) => `${f.sha256}  ${f.path}\n`).join('');

/** Parses a manifest; lines that are not `<64 hex>  <path>` are returned as problems. */
export function parseManifest(text: string): { entries: Map<string, string>; problems: string[] } {
  const entries = new Map<string, string>();
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const m = /^([0-9a-f]{64}) {2}(\S.*)$/.exec(line);
    if (!m) problems.push(`${MANIFEST_FILE}, línea ${i + 1}: no tiene la forma «<sha256>  <ruta>»`);
    else entries.set(m[2]!, m[1]!);
  });
  return { entries, problems };
}
