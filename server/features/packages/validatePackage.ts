import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BAG_ALGORITHMS, checkBagFixity, planBag, TAG_FILE_PATTERN, type BagPlan } from '../../../standards/archive/validation/bagit.ts';
import { LineEndingDigests } from '../../../standards/archive/validation/lineEndingDigests.ts';
import { METS_CHECKSUM_ALGORITHMS, readMetsReferences, rootNamespace, type MetsReference } from '../../../standards/archive/validation/metsReferences.ts';
import { buildReport, finding, type Finding, type PackageKind, type PackageReport } from '../../../standards/archive/validation/PackageReport.ts';
import { openPackageArchive } from './openPackageArchive.ts';
import { ArchiveReadError, DEFAULT_ARCHIVE_LIMITS, type ArchiveEntry, type ArchiveLimits, type PackageArchive } from './PackageArchive.ts';
import { loadSchematron, loadXsd, type ValidatorDirs } from './packageValidators.ts';
import type { XmlDocument } from './xsdValidator.ts';

export interface ValidatePackageOptions extends ValidatorDirs {
  /** Default true. False grades CSIP 2.0.x deviations and reference-data damage as warnings (TOLERATED_RULES). */
  strict?: boolean;
  limits?: Partial<ArchiveLimits>;
  /** Largest METS, PREMIS or tag file read into memory. */
  maxXmlBytes?: number;
}

const PREMIS3 = 'http://www.loc.gov/premis/v3';
const MAX_ERRORS_PER_DOCUMENT = 20;
const REPRESENTATION_METS = /^representations\/[^/]+\/METS\.xml$/;

/**
 * Validates a package — a folder, a tar or a zip, ours or anyone's — and reports every rule it breaks: container
 * safety first (nothing else runs on an unsafe container), then BagIt 1.0 when it is a bag, then E-ARK (every
 * METS against the XSDs and the CSIP Schematron, PREMIS against its XSD, every METS reference and checksum).
 */
export async function validatePackage(source: string, options: ValidatePackageOptions): Promise<PackageReport> {
  const strict = options.strict ?? true;
  const { archive, findings } = await openPackageArchive(source, { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits });
  if (!archive || findings.some((f) => f.level === 'error')) {
    await archive?.close();
    return buildReport(null, findings, { files: 0, bytes: 0 }, strict);
  }
  try {
    return await new PackageValidation(archive, options, findings).run(strict);
  } finally {
    await archive.close();
  }
}

/** A tar or zip holds one top folder (CSIPSTR1, BagIt's base directory); a folder given directly is the package itself. */
function packageRoot(archive: PackageArchive): string {
  const tops = new Set([...archive.files.map((f) => f.path), ...archive.directories].map((p) => p.split('/')[0]!));
  const [top] = tops;
  return tops.size === 1 && !archive.files.some((f) => f.path === top) ? `${top}/` : '';
}

class PackageValidation {
  private readonly files = new Map<string, ArchiveEntry>();
  private readonly folded = new Map<string, string>();
  private readonly directories = new Set<string>();
  private readonly checked = { files: 0, bytes: 0 };
  private readonly maxXml: number;

  constructor(
    private readonly archive: PackageArchive,
    private readonly options: ValidatePackageOptions,
    private readonly findings: Finding[],
  ) {
    const root = packageRoot(archive);
    for (const f of archive.files) {
      const rel = f.path.slice(root.length);
      this.files.set(rel, f);
      this.folded.set(rel.toLowerCase(), rel);
    }
    for (const d of archive.directories) if (d.length > root.length) this.directories.add(d.slice(root.length));
    this.maxXml = options.maxXmlBytes ?? 256 * 1024 * 1024;
  }

  async run(strict: boolean): Promise<PackageReport> {
    const isBag = this.files.has('bagit.txt');
    const metsRoot = isBag ? 'data/' : '';
    const hasMets = this.files.has(`${metsRoot}METS.xml`);
    const kind: PackageKind | null = isBag ? (hasMets ? 'bagit+e-ark' : 'bagit') : hasMets ? 'e-ark' : null;
    if (!kind) {
      this.findings.push(finding('error', 'PACKAGE-KIND', '', 'no es una bolsa BagIt (falta bagit.txt en la raíz) ni un paquete E-ARK (falta METS.xml en la raíz, CSIPSTR4)'));
      return buildReport(null, this.findings, this.checked, strict);
    }

    const bag = isBag ? await this.planBag() : null;
    const eark = hasMets ? await this.readMets(metsRoot) : null;
    const needs = new Map<string, Set<string>>();
    const need = (path: string, algorithm: string) => {
      if (!needs.has(path)) needs.set(path, new Set());
      needs.get(path)!.add(algorithm);
    };
    for (const [path, algorithms] of bag?.needs ?? []) for (const a of algorithms) need(path, BAG_ALGORITHMS[a]!.node);
    for (const c of eark?.checks ?? []) if (c.algorithm) need(c.path, c.algorithm);

    const { digests, texts, aborted } = await this.hashPass(needs, eark?.premisPaths ?? new Set());
    if (aborted) return buildReport(kind, this.findings, this.checked, strict);
    const digest = (path: string, nodeAlgorithm: string) => digests.get(path)?.get(nodeAlgorithm);
    if (bag) this.findings.push(...checkBagFixity(bag, (path, algorithm) => digest(path, BAG_ALGORITHMS[algorithm]!.node)));
    if (eark) {
      await this.checkMetsFixity(eark.checks, digest);
      // A METS that could not be read references nothing; every file would look unreferenced.
      if (eark.allRead) this.checkUnreferenced(metsRoot, eark.referenced);
      await this.checkXml(eark.documents, [...eark.premisPaths].filter((p) => texts.has(p)).map((path) => ({ path, xml: texts.get(path)! })));
    }
    return buildReport(kind, this.findings, this.checked, strict);
  }

  private async readBytes(path: string): Promise<Buffer | null> {
    const entry = this.files.get(path)!;
    if (entry.size > this.maxXml) {
      this.findings.push(finding('error', 'SAFE-LIMIT', path, `${entry.size} bytes: supera el máximo de ${this.maxXml} para un archivo que se lee completo`));
      return null;
    }
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await this.archive.open(entry)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (err) {
      if (!(err instanceof ArchiveReadError)) throw err;
      this.findings.push(finding('error', err.rule, path, err.message));
      return null;
    }
  }

  private async planBag(): Promise<BagPlan> {
    const tagFiles = new Map<string, Buffer>();
    for (const name of this.files.keys()) {
      if (!TAG_FILE_PATTERN.test(name)) continue;
      const bytes = await this.readBytes(name);
      if (bytes) tagFiles.set(name, bytes);
    }
    const sizes = new Map([...this.files].map(([p, e]) => [p, e.size]));
    const plan = planBag({ files: sizes, directories: this.directories, tagFiles });
    this.findings.push(...plan.findings);
    return plan;
  }

  /** The referenced path as it exists, also when only its letter case differs (reported), or null. */
  private locate(target: string, metsPath: string, ref: MetsReference, metsRoot: string): string | null {
    if (!target.startsWith(metsRoot)) {
      this.findings.push(finding('error', 'METS-HREF', metsPath, `xlink:href="${ref.href}" sale de la carpeta del paquete E-ARK`));
      return null;
    }
    if (this.files.has(target)) return target;
    const other = this.folded.get(target.toLowerCase());
    if (other !== undefined) {
      this.findings.push(finding('error', 'METS-HREF-CASE', metsPath, `xlink:href="${ref.href}" no existe; existe "${other}", que solo difiere en mayúsculas/minúsculas`));
      return other;
    }
    this.findings.push(finding('error', 'METS-HREF', metsPath, `xlink:href="${ref.href}" apunta a ${target}, que no está en el paquete`));
    return null;
  }

  private async readMets(metsRoot: string) {
    const queue = [`${metsRoot}METS.xml`, ...[...this.files.keys()].filter((p) => p.startsWith(metsRoot) && REPRESENTATION_METS.test(p.slice(metsRoot.length)))];
    const seen = new Set<string>();
    const documents: XmlDocument[] = [];
    const checks: MetsCheck[] = [];
    const premisPaths = new Set<string>();
    const referenced = new Set<string>();
    let allRead = true;
    while (queue.length) {
      const metsPath = queue.shift()!;
      if (seen.has(metsPath)) continue;
      seen.add(metsPath);
      const bytes = await this.readBytes(metsPath);
      const xml = bytes?.toString('utf8') ?? '';
      const reading = bytes ? readMetsReferences(xml, metsPath, this.maxXml) : null;
      if (!reading || reading.findings.some((f) => f.rule === 'XML-WELLFORMED')) {
        this.findings.push(...(reading?.findings ?? []));
        allRead = false;
        continue;
      }
      this.findings.push(...reading.findings);
      documents.push({ path: metsPath, xml });
      for (const ref of reading.references) {
        if (ref.target === null) continue;
        const path = this.locate(ref.target, metsPath, ref, metsRoot);
        if (path === null) continue;
        referenced.add(path);
        if (ref.kind === 'mptr' || (ref.kind === 'file' && path.endsWith('/METS.xml'))) queue.push(path);
        if (ref.kind === 'mdRef' && ref.mdType === 'PREMIS') premisPaths.add(path);
        if (ref.kind === 'mptr') continue;
        const algorithm = ref.checksumType ? METS_CHECKSUM_ALGORITHMS[ref.checksumType] : undefined;
        if (ref.checksum && ref.checksumType && !algorithm) this.findings.push(finding('warning', 'METS-CHECKSUM', path, `CHECKSUMTYPE ${ref.checksumType} no se puede comprobar aquí; use SHA-256`));
        checks.push({ metsPath, path, ref, algorithm });
      }
    }
    return { documents, checks, premisPaths, referenced, allRead };
  }

  /** Reads each file that something needs, once, feeding every hash it needs; keeps the PREMIS texts. */
  private async hashPass(needs: Map<string, Set<string>>, keep: Set<string>) {
    const digests = new Map<string, Map<string, string>>();
    const texts = new Map<string, string>();
    for (const [path, entry] of this.files) {
      const algorithms = needs.get(path);
      const keepText = keep.has(path) && entry.size <= this.maxXml;
      if (keep.has(path) && !keepText) this.findings.push(finding('error', 'SAFE-LIMIT', path, `PREMIS de ${entry.size} bytes: supera el máximo de ${this.maxXml} para validarlo`));
      if (!algorithms && !keepText) continue;
      const hashes: Array<[string, Hash]> = [...(algorithms ?? [])].map((a) => [a, createHash(a)]);
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of await this.archive.open(entry)) {
          for (const [, h] of hashes) h.update(chunk as Buffer);
          if (keepText) chunks.push(chunk as Buffer);
          this.checked.bytes += (chunk as Buffer).length;
        }
      } catch (err) {
        if (!(err instanceof ArchiveReadError)) throw err;
        this.findings.push(finding('error', err.rule, path, err.message));
        // A bomb is not read any further; a damaged entry leaves the rest worth checking.
        if (err.rule === 'SAFE-LIMIT') return { digests, texts, aborted: true };
        continue;
      }
      this.checked.files += 1;
      digests.set(path, new Map(hashes.map(([a, h]) => [a, h.digest('hex')])));
      if (keepText) texts.set(path, Buffer.concat(chunks).toString('utf8'));
    }
    return { digests, texts, aborted: false };
  }

  private async checkMetsFixity(checks: MetsCheck[], digest: (path: string, algorithm: string) => string | undefined): Promise<void> {
    for (const { metsPath, path, ref, algorithm } of checks) {
      const size = this.files.get(path)!.size;
      const sizeOk = ref.size === undefined || ref.size === size;
      const actual = algorithm && ref.checksum ? digest(path, algorithm) : undefined;
      if (actual === undefined || actual === ref.checksum) {
        if (!sizeOk) this.findings.push(finding('error', 'METS-SIZE', path, `${metsPath} declara SIZE=${ref.size}; el archivo tiene ${size} bytes`));
        continue;
      }
      const eol = await this.lineEndingMatch(path, algorithm!, ref.checksum!);
      if (eol) {
        this.findings.push(finding('error', 'METS-CHECKSUM-EOL', path, `${ref.checksumType} no coincide con ${metsPath}, pero sí al convertir los finales de línea a ${eol.convertedTo} (${eol.size} bytes, SIZE=${ref.size ?? '?'}): el archivo se modificó después de empaquetarse`));
        continue;
      }
      this.findings.push(finding('error', 'METS-CHECKSUM', path, `${ref.checksumType} no coincide con ${metsPath}: declarado ${ref.checksum}, calculado ${actual}`));
      if (!sizeOk) this.findings.push(finding('error', 'METS-SIZE', path, `${metsPath} declara SIZE=${ref.size}; el archivo tiene ${size} bytes`));
    }
  }

  private async lineEndingMatch(path: string, algorithm: string, expected: string) {
    const digests = new LineEndingDigests(algorithm);
    try {
      for await (const chunk of (await this.archive.open(this.files.get(path)!)) as Readable) digests.update(chunk as Buffer);
    } catch (err) {
      if (err instanceof ArchiveReadError) return null;
      throw err;
    }
    return digests.digest().find((d) => d.hex === expected) ?? null;
  }

  private checkUnreferenced(metsRoot: string, referenced: Set<string>): void {
    for (const path of this.files.keys()) {
      if (path.startsWith(`${metsRoot}representations/`) && !referenced.has(path)) {
        this.findings.push(finding('error', 'METS-UNREFERENCED', path, 'está en representations/ pero ningún METS lo referencia (FLocat, mdRef o mptr)'));
      }
    }
  }

  private async checkXml(mets: XmlDocument[], premis: XmlDocument[]): Promise<void> {
    const [xsd, schematron] = await Promise.all([loadXsd(this.options.xsdDir), loadSchematron(this.options.schematronDir)]);
    const premis3: XmlDocument[] = [];
    for (const doc of premis) {
      const ns = rootNamespace(doc.xml, this.maxXml);
      if (ns === null) this.findings.push(finding('error', 'XML-WELLFORMED', doc.path, 'el PREMIS no es XML bien formado o trae DOCTYPE'));
      else if (ns !== PREMIS3) this.findings.push(finding('error', 'PREMIS-XSD', doc.path, `no es PREMIS 3 (espacio de nombres "${ns}"): no valida contra premis-v3-0.xsd`));
      else premis3.push(doc);
    }
    if (!xsd.ok) this.findings.push(xsd.finding);
    else {
      this.addXsdFindings('XSD', await xsd.value.validateMets(mets));
      this.addXsdFindings('PREMIS-XSD', await xsd.value.validatePremis(premis3));
    }
    if (!schematron.ok) this.findings.push(schematron.finding);
    else for (const doc of mets) this.findings.push(...schematron.value.check(doc.xml, doc.path));
  }

  private addXsdFindings(rule: 'XSD' | 'PREMIS-XSD', errors: Map<string, string[]>): void {
    for (const [path, messages] of errors) {
      for (const m of messages.slice(0, MAX_ERRORS_PER_DOCUMENT)) this.findings.push(finding('error', rule, path, m));
      if (messages.length > MAX_ERRORS_PER_DOCUMENT) this.findings.push(finding('error', rule, path, `y ${messages.length - MAX_ERRORS_PER_DOCUMENT} errores más de esquema`));
    }
  }
}

interface MetsCheck {
  metsPath: string;
  /** The referenced file as it exists in the package. */
  path: string;
  ref: MetsReference;
  /** Node hash name for the declared CHECKSUMTYPE, when it can be computed. */
  algorithm: string | undefined;
}
