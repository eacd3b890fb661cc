import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { CaseFileIndex } from '../../../standards/caseFile/CaseFileIndex.ts';
import { checkIndexStructure } from '../../../standards/caseFile/checkIndex.ts';
import { CaseFileXmlError, parseCaseFileXml } from '../../../standards/caseFile/parseCaseFileXml.ts';
import { INDEX_FILE, MANIFEST_FILE, manifestText, packageFiles, parseManifest, type PackageFile } from '../../../standards/caseFile/remissionLayout.ts';
import { verifyXmlSeal, type XmlSealReport } from '../../../standards/xmldsig/verifyXmlSeal.ts';
import type { ObjectStore, PutResult } from '../../../storage/ObjectStore.ts';
import { objectKey } from '../../../storage/objectKey.ts';
import { XmlRejectedError } from '../../../standards/xml/parseXmlSafely.ts';

/**
 * Writes a remission package as a tar stream: the sealed index, then every file its index names, in index order,
 * read from the content-addressed store by hash, then the manifest. Bytes are streamed, never buffered whole.
 */
export function writePackage(store: ObjectStore, sealedIndex: Buffer, index: CaseFileIndex): Readable {
  const pack = tar.pack();
  const files = packageFiles(index);
  const mtime = index.generatedAt;
  const add = async (name: string, size: number, body: Readable) => {
    const entry = pack.entry({ name, size, mtime, mode: 0o644 });
    await pipeline(body, entry);
  };
  (async () => {
    await add(INDEX_FILE, sealedIndex.length, Readable.from([sealedIndex]));
    for (const f of files) {
      const key = objectKey(f.sha256);
      const stat = await store.stat(key);
      if (!stat) throw new Error(`falta en el almacén el objeto ${f.sha256} (${f.path})`);
      await add(f.path, stat.size, await store.get(key));
    }
    const manifest = Buffer.from(manifestText([{ path: INDEX_FILE, sha256: createHash('sha256').update(sealedIndex).digest('hex') }, ...files]), 'utf8');
    await add(MANIFEST_FILE, manifest.length, Readable.from([manifest]));
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  // tar-stream's streams are streamx streams, not Node streams (Koa would not stream one): wrap it.
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}

export interface PackageProblem {
  path: string;
  problem: string;
}

export interface PackageCheck {
  valid: boolean;
  /** The sealed index, when it could be read. */
  index: CaseFileIndex | null;
  sealedIndex: Buffer | null;
  seal: XmlSealReport | null;
  /** Files checked against the index (documents and nested indexes). */
  filesChecked: number;
  problems: PackageProblem[];
}

export interface ReadPackageOptions {
  anchors: string[];
  maxIndexBytes: number;
  /** Where each verified file goes (e.g. into the object store); files that fail are still consumed. */
  keep?: (file: PackageFile, body: Readable) => Promise<PutResult>;
}

async function readBounded(body: Readable, max: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.resume();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The stream's SHA-256: the store computes it while keeping the bytes; otherwise it is hashed as it drains. */
async function hashThrough(body: Readable, sink?: (s: Readable) => Promise<PutResult>): Promise<{ sha256: string; put: PutResult | null }> {
  if (sink) {
    const put = await sink(body);
    return { sha256: put.sha256, put };
  }
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk as Buffer);
  return { sha256: hash.digest('hex'), put: null };
}

/**
 * Reads a remission package and checks everything it claims: the index's seal (signature, references, trusted
 * chain), its order and folios, each file's SHA-256 against the index, that files come in index order, that
 * nothing is missing or extra, and the manifest. Every problem is reported with the path it concerns.
 */
export async function readPackage(body: Readable, opts: ReadPackageOptions, kept: Map<string, PutResult> = new Map()): Promise<PackageCheck> {
  const problems: PackageProblem[] = [];
  const result: PackageCheck = { valid: false, index: null, sealedIndex: null, seal: null, filesChecked: 0, problems };
  const extract = tar.extract();
  // A damaged tar surfaces through the entry iterator below; this only keeps the rejection from going unhandled.
  const feeding = pipeline(body, extract as unknown as NodeJS.WritableStream).catch(() => undefined);
  let expected: PackageFile[] = [];
  let positions = new Map<string, number>();
  let next = 0;
  const seen = new Map<string, string>();
  let manifest: string | null = null;
  let first = true;
  try {
    const entries = extract[Symbol.asyncIterator]();
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = await entries.next();
      } catch (err) {
        problems.push({ path: '(paquete)', problem: `no es un tar válido o está incompleto: ${(err as Error).message}` });
        break;
      }
      if (step.done) break;
      const entry = step.value as Readable & { header: tar.Header };
      const name = entry.header.name;
      if (entry.header.type !== 'file') {
        problems.push({ path: name, problem: `tipo de entrada tar no admitido (${entry.header.type})` });
        entry.resume();
        continue;
      }
      if (first) {
        first = false;
        if (name !== INDEX_FILE) {
          problems.push({ path: name, problem: `el paquete debe comenzar con ${INDEX_FILE}` });
          entry.resume();
          break;
        }
        const xml = await readBounded(entry, opts.maxIndexBytes);
        if (!xml) {
          problems.push({ path: name, problem: `el índice supera ${opts.maxIndexBytes} bytes` });
          break;
        }
        result.sealedIndex = xml;
        seen.set(INDEX_FILE, createHash('sha256').update(xml).digest('hex'));
        let index: CaseFileIndex;
        try {
          index = parseCaseFileXml(xml.toString('utf8'));
        } catch (err) {
          if (!(err instanceof CaseFileXmlError || err instanceof XmlRejectedError)) throw err;
          problems.push({ path: name, problem: (err as Error).message });
          break;
        }
        result.index = index;
        result.seal = verifyXmlSeal(xml.toString('utf8'), opts.anchors, { expectReference: 'document' });
        for (const p of result.seal.problems) problems.push({ path: name, problem: `sello: ${p}` });
        for (const p of checkIndexStructure(index)) problems.push({ path: name, problem: `${p.path}${p.order ? `, orden ${p.order}` : ''}: ${p.problem}` });
        expected = packageFiles(index);
        positions = new Map(expected.map((f, i) => [f.path, i]));
        continue;
      }
      if (name === MANIFEST_FILE) {
        manifest = (await readBounded(entry, 16 * 1024 * 1024))?.toString('utf8') ?? null;
        continue;
      }
      const at = positions.get(name) ?? -1;
      if (at < 0 || seen.has(name)) {
        problems.push({ path: name, problem: seen.has(name) ? 'el archivo aparece dos veces' : 'el índice no menciona este archivo' });
        entry.resume();
        continue;
      }
      const file = expected[at]!;
      if (at !== next) problems.push({ path: name, problem: `fuera del orden del índice: se esperaba ${expected[next]?.path ?? 'el manifiesto'}` });
      next = at + 1;
      const { sha256, put } = await hashThrough(entry, opts.keep && ((s) => opts.keep!(file, s)));
      seen.set(name, sha256);
      if (put) kept.set(name, put);
      result.filesChecked++;
      if (sha256 !== file.sha256) problems.push({ path: name, problem: `orden ${file.orders.join('/')}: el índice sellado dice SHA-256 ${file.sha256} y el archivo tiene ${sha256}` });
    }
  } finally {
    // Stopping early (a fatal problem) leaves the rest unread: tear the streams down instead of waiting on them.
    extract.destroy();
    body.destroy();
    await feeding;
  }
  if (result.index) {
    for (const f of expected) if (!seen.has(f.path)) problems.push({ path: f.path, problem: `falta en el paquete (orden ${f.orders.join('/')})` });
    if (manifest === null) problems.push({ path: MANIFEST_FILE, problem: 'falta el manifiesto' });
    else {
      const parsed = parseManifest(manifest);
      problems.push(...parsed.problems.map((p) => ({ path: MANIFEST_FILE, problem: p })));
      for (const [path, sha] of parsed.entries) {
        if (seen.get(path) !== sha) problems.push({ path: MANIFEST_FILE, problem: `${path}: el manifiesto dice ${sha}, el archivo tiene ${seen.get(path) ?? 'nada (no está)'}` });
      }
    }
  } else if (first) problems.push({ path: '(paquete)', problem: 'el paquete está vacío' });
  result.valid = problems.length === 0;
  return result;
}
