import { checkEntryPath } from './entryPath.ts';
import { finding, type Finding } from './PackageReport.ts';

/** BagIt algorithm names (RFC 8493 §2.4, IANA textual names) → Node's hash names. */
export const BAG_ALGORITHMS: Record<string, { node: string; hexLength: number }> = {
  md5: { node: 'md5', hexLength: 32 },
  sha1: { node: 'sha1', hexLength: 40 },
  sha224: { node: 'sha224', hexLength: 56 },
  sha256: { node: 'sha256', hexLength: 64 },
  sha384: { node: 'sha384', hexLength: 96 },
  sha512: { node: 'sha512', hexLength: 128 },
};

const NON_REPEATABLE = ['payload-oxum', 'bagging-date', 'bag-size', 'bag-group-identifier', 'bag-count'];

/** The manifest and tag-file names BagIt gives meaning to, at the bag's top level. */
export const TAG_FILE_PATTERN = /^(bagit\.txt|bag-info\.txt|fetch\.txt|(tag)?manifest-[a-z0-9]+\.txt)$/;

export interface Manifest {
  /** File name, e.g. manifest-sha256.txt. */
  name: string;
  algorithm: string;
  /** Known algorithm (BAG_ALGORITHMS); unknown ones cannot be checked. */
  known: boolean;
  entries: Map<string, string>;
}

export interface BagPlan {
  findings: Finding[];
  payloadManifests: Manifest[];
  tagManifests: Manifest[];
  /** For each existing file, the BagIt algorithms its listed hashes need. */
  needs: Map<string, Set<string>>;
}

export interface BagInput {
  /** Every regular file of the bag, relative to its top folder, with its size. */
  files: Map<string, number>;
  /** Explicit directory entries (an empty data/ can only show as one). */
  directories: Set<string>;
  /** Text of the tag files that exist (TAG_FILE_PATTERN), by name. */
  tagFiles: Map<string, Buffer>;
}

const lines = (text: string) => text.split(/\r\n|\r|\n/);

/** bagit.txt, exactly as RFC 8493 §2.1.1 writes it: no BOM, no space before the colon, nothing else. */
export function checkBagitDeclaration(bytes: Buffer): Finding[] {
  const bad = (why: string) => [finding('error', 'BAGIT-DECLARATION', 'bagit.txt', why)];
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bad('bagit.txt no puede empezar con una marca BOM');
  const found = lines(bytes.toString('utf8'));
  if (found.at(-1) === '') found.pop();
  if (found.length !== 2) return bad(`bagit.txt debe tener exactamente 2 líneas; tiene ${found.length}`);
  const version = /^BagIt-Version: (\d+)\.(\d+)$/.exec(found[0]!);
  if (!version) return bad(`primera línea inválida ("${found[0]}"): debe ser "BagIt-Version: 1.0", sin espacios antes de ":" ni al final`);
  const encoding = /^Tag-File-Character-Encoding: (\S+)$/.exec(found[1]!);
  if (!encoding) return bad(`segunda línea inválida ("${found[1]}"): debe ser "Tag-File-Character-Encoding: UTF-8", sin espacios antes de ":" ni al final`);
  const out: Finding[] = [];
  if (`${version[1]}.${version[2]}` !== '1.0') out.push(finding('warning', 'BAGIT-DECLARATION', 'bagit.txt', `BagIt-Version ${version[1]}.${version[2]}: se valida con las reglas de BagIt 1.0`));
  if (encoding[1]!.toUpperCase() !== 'UTF-8') out.push(finding('warning', 'BAGIT-DECLARATION', 'bagit.txt', `codificación ${encoding[1]}: los archivos de etiquetas se leen como UTF-8`));
  return out;
}

/** RFC 8493 §2.1.3: only CR, LF and % are percent-encoded in manifest paths. */
function decodeManifestPath(p: string): string {
  return p.replace(/%0A/gi, '\n').replace(/%0D/gi, '\r').replace(/%25/g, '%');
}

export function parseManifest(name: string, text: string, findings: Finding[]): Manifest {
  const algorithm = /^(?:tag)?manifest-([a-z0-9]+)\.txt$/.exec(name)![1]!;
  const spec = BAG_ALGORITHMS[algorithm];
  const manifest: Manifest = { name, algorithm, known: spec !== undefined, entries: new Map() };
  if (!spec) findings.push(finding('error', 'BAGIT-MANIFEST', name, `algoritmo "${algorithm}" desconocido: sus hashes no se pueden comprobar (use sha256 o sha512)`));
  lines(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^([0-9A-Fa-f]+)[ \t]+(.+)$/.exec(line);
    if (!m) return void findings.push(finding('error', 'BAGIT-MANIFEST', name, `línea ${i + 1} no es "hash ruta"`));
    const [, hash, rawPath] = m as unknown as [string, string, string];
    if (spec && hash.length !== spec.hexLength) findings.push(finding('error', 'BAGIT-MANIFEST', name, `línea ${i + 1}: un hash ${algorithm} tiene ${spec.hexLength} dígitos hexadecimales, no ${hash.length}`));
    const checked = checkEntryPath(decodeManifestPath(rawPath));
    if (!checked.ok) return void findings.push(finding('error', 'BAGIT-MANIFEST', name, `línea ${i + 1}: ${checked.finding.message}`));
    const previous = manifest.entries.get(checked.path);
    if (previous !== undefined) {
      const same = previous.toLowerCase() === hash.toLowerCase();
      findings.push(finding('error', 'BAGIT-MANIFEST-DUPLICATE', name, `${checked.path} aparece más de una vez (línea ${i + 1}, ${same ? 'con el mismo hash' : 'con otro hash'})`));
      return;
    }
    manifest.entries.set(checked.path, hash.toLowerCase());
  });
  return manifest;
}

/** bag-info.txt (RFC 8493 §2.2.2): labels, continuation lines, the reserved labels' formats, Payload-Oxum. */
export function checkBagInfo(text: string, payload: { bytes: number; files: number }): Finding[] {
  const out: Finding[] = [];
  const bad = (rule: 'BAGIT-INFO' | 'BAGIT-OXUM', why: string) => out.push(finding('error', rule, 'bag-info.txt', why));
  const fields: Array<[string, string]> = [];
  lines(text).forEach((line, i) => {
    if (line === '') return;
    if (/^[ \t]/.test(line)) {
      if (!fields.length) bad('BAGIT-INFO', `línea ${i + 1}: continuación sin etiqueta anterior`);
      else fields.at(-1)![1] += ` ${line.trim()}`;
      return;
    }
    const m = /^([^:\s](?:[^:]*[^:\s])?):(?:[ \t](.*))?$/.exec(line);
    if (!m) return void bad('BAGIT-INFO', `línea ${i + 1} no es "Etiqueta: valor" (sin espacios antes de ":")`);
    fields.push([m[1]!, m[2] ?? '']);
  });
  const values = (label: string) => fields.filter(([l]) => l.toLowerCase() === label).map(([, v]) => v);
  for (const label of NON_REPEATABLE) if (values(label).length > 1) bad('BAGIT-INFO', `la etiqueta ${label} no puede repetirse`);
  for (const date of values('bagging-date')) if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) bad('BAGIT-INFO', `Bagging-Date "${date}" no tiene el formato AAAA-MM-DD`);
  for (const count of values('bag-count')) if (!/^\d+ of (\d+|\?)$/.test(count)) bad('BAGIT-INFO', `Bag-Count "${count}" debe ser "N of T" o "N of ?"`);
  const oxum = values('payload-oxum')[0];
  if (oxum !== undefined) {
    const m = /^(\d+)\.(\d+)$/.exec(oxum);
    if (!m) bad('BAGIT-OXUM', `Payload-Oxum "${oxum}" debe ser "octetos.archivos"`);
    else if (Number(m[1]) !== payload.bytes || Number(m[2]) !== payload.files) {
      bad('BAGIT-OXUM', `Payload-Oxum declara ${m[1]} bytes en ${m[2]} archivos; data/ tiene ${payload.bytes} bytes en ${payload.files} archivos`);
    }
  }
  return out;
}

/** Everything about a bag that does not need its bytes hashed, and which hashes to compute for the rest. */
export function planBag({ files, directories, tagFiles }: BagInput): BagPlan {
  const findings: Finding[] = [];
  findings.push(...checkBagitDeclaration(tagFiles.get('bagit.txt') ?? Buffer.alloc(0)));
  const payload = [...files.keys()].filter((p) => p.startsWith('data/'));
  if (!payload.length && !directories.has('data')) findings.push(finding('error', 'BAGIT-PAYLOAD', 'data/', 'falta el directorio de carga data/'));

  const names = [...tagFiles.keys()].sort();
  const payloadManifests = names.filter((n) => n.startsWith('manifest-')).map((n) => parseManifest(n, tagFiles.get(n)!.toString('utf8'), findings));
  const tagManifests = names.filter((n) => n.startsWith('tagmanifest-')).map((n) => parseManifest(n, tagFiles.get(n)!.toString('utf8'), findings));
  if (!payloadManifests.length) findings.push(finding('error', 'BAGIT-MANIFEST', '', 'la bolsa no tiene ningún manifest-<algoritmo>.txt'));

  const needs = new Map<string, Set<string>>();
  const need = (path: string, algorithm: string) => {
    if (!needs.has(path)) needs.set(path, new Set());
    needs.get(path)!.add(algorithm);
  };
  for (const m of payloadManifests) {
    for (const path of m.entries.keys()) {
      if (!path.startsWith('data/')) findings.push(finding('error', 'BAGIT-MANIFEST', m.name, `${path} no está bajo data/: un manifiesto de carga solo lista archivos de carga`));
      else if (!files.has(path)) findings.push(finding('error', 'BAGIT-COMPLETENESS', path, `listado en ${m.name} pero no existe en la bolsa`));
      else if (m.known) need(path, m.algorithm);
    }
    for (const path of payload) if (!m.entries.has(path)) findings.push(finding('error', 'BAGIT-COMPLETENESS', path, `archivo de carga que no aparece en ${m.name}`));
  }
  for (const m of tagManifests) {
    for (const path of m.entries.keys()) {
      if (path.startsWith('data/') || /^tagmanifest-/.test(path)) findings.push(finding('error', 'BAGIT-TAGMANIFEST', m.name, `${path} no puede figurar en un manifiesto de etiquetas`));
      else if (!files.has(path)) findings.push(finding('error', 'BAGIT-TAGMANIFEST', path, `listado en ${m.name} pero no existe en la bolsa`));
      else if (m.known) need(path, m.algorithm);
    }
    for (const pm of payloadManifests) if (!m.entries.has(pm.name)) findings.push(finding('error', 'BAGIT-TAGMANIFEST', m.name, `no lista el manifiesto de carga ${pm.name}`));
  }

  const info = tagFiles.get('bag-info.txt');
  if (info) findings.push(...checkBagInfo(info.toString('utf8'), { bytes: payload.reduce((sum, p) => sum + files.get(p)!, 0), files: payload.length }));
  const fetch = tagFiles.get('fetch.txt');
  if (fetch) {
    const listed = lines(fetch.toString('utf8')).filter((l) => l.trim()).map((l) => l.trim().split(/[ \t]+/).slice(2).join(' '));
    const missing = listed.filter((p) => !files.has(decodeManifestPath(p)));
    if (missing.length) findings.push(finding('error', 'BAGIT-FETCH', 'fetch.txt', `la bolsa está incompleta: faltan ${missing.length} archivo(s) por descargar (${missing.slice(0, 5).join(', ')}); una transferencia de archivo no debe depender de fetch.txt`));
    else findings.push(finding('warning', 'BAGIT-FETCH', 'fetch.txt', 'fetch.txt presente; todos sus archivos ya están en la bolsa'));
  }
  return { findings, payloadManifests, tagManifests, needs };
}

/** Every listed hash against the computed one: `digest(path, algorithm)` gives the hex digest of a file that exists. */
export function checkBagFixity(plan: BagPlan, digest: (path: string, algorithm: string) => string | undefined): Finding[] {
  const out: Finding[] = [];
  for (const m of [...plan.payloadManifests, ...plan.tagManifests]) {
    if (!m.known) continue;
    for (const [path, expected] of m.entries) {
      const actual = digest(path, m.algorithm);
      if (actual !== undefined && actual !== expected) out.push(finding('error', 'BAGIT-FIXITY', path, `${m.algorithm} no coincide con ${m.name}: declarado ${expected}, calculado ${actual}`));
    }
  }
  return out;
}
