import { createHash } from 'node:crypto';
import type { CaseFileIndex, IndexEntry } from '../../../standards/caseFile/CaseFileIndex.ts';
import { checkIndexStructure, type IndexProblem } from '../../../standards/caseFile/checkIndex.ts';
import { CaseFileXmlError, parseCaseFileXml } from '../../../standards/caseFile/parseCaseFileXml.ts';
import { readWhole } from '../documents/storeRangeSource.ts';
import { verifyXmlSeal, type XmlSealReport } from '../../../standards/xmldsig/verifyXmlSeal.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { caseFileRepository, type CaseFileRow } from './caseFileRepository.ts';
import { buildIndexModel } from './indexModel.ts';

export interface SealedVersionCheck {
  version: number;
  sha256: string;
  storedBytesMatch: boolean;
  seal: Pick<XmlSealReport, 'valid' | 'signer' | 'problems'>;
}

export interface CaseFileVerification {
  iuie: string;
  valid: boolean;
  checkedAt: Date;
  state: string;
  entries: number;
  documentsHashed: number;
  /** Versions whose content was destroyed under their retention schedule: only their recorded hash remains. */
  documentsDestroyed: number;
  sealedVersions: SealedVersionCheck[];
  problems: IndexProblem[];
}

/** Streams an object and hashes it; null when the object is gone. */
async function hashStored(store: ObjectStore, key: string): Promise<string | null> {
  if (!(await store.exists(key))) return null;
  const hash = createHash('sha256');
  for await (const chunk of await store.get(key)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** What identifies an entry, for comparing the sealed index with the database. */
function fingerprint(e: IndexEntry): string {
  const common = [e.order, e.kind, e.incorporatedAt.toISOString(), e.removed ? 'retirada' : 'vigente'];
  if (e.kind === 'document') return [...common, e.documentIdentifier, e.version, e.sha256, e.firstFolio, e.lastFolio].join(' · ');
  if (e.kind === 'link') return [...common, e.uri, e.sha256 ?? 'sin hash'].join(' · ');
  return [...common, e.index.metadata.MGDEE1_1, e.indexVersion, e.sha256, e.firstFolio, e.lastFolio].join(' · ');
}

/**
 * Recomputes everything a case file claims: each stored document's SHA-256 against its entry, order and folios,
 * every sealed index version's bytes and seal, and that the latest sealed index lists exactly what the database
 * holds (a closed case file) or a prefix of it (reopened). Nested case files are verified the same way.
 */
export async function verifyCaseFile(
  deps: { db: Db; store: ObjectStore; anchors: string[]; clock: Clock },
  c: CaseFileRow,
  path = c.iuie,
  seen = new Set<string>(),
): Promise<CaseFileVerification> {
  seen.add(c.id);
  const problems: IndexProblem[] = [];
  const report = (order: number | null, problem: string) => problems.push({ path, order, problem });
  const details = await caseFileRepository.entryDetails(deps.db, c.id);
  const live: CaseFileIndex = await buildIndexModel(deps.db, deps.store, c, { indexVersion: null, generatedAt: deps.clock.now(), details });
  problems.push(...checkIndexStructure(live, path));

  let documentsHashed = 0;
  let documentsDestroyed = 0;
  const versionIds = details.filter((d) => d.kind === 'document').map((d) => d.versionId!);
  const destroyed = new Set<string>(versionIds.length ? await deps.db('disposed_versions').whereIn('version_id', versionIds).pluck('version_id') : []);
  for (const d of details) {
    if (d.kind === 'document' && destroyed.has(d.versionId!)) {
      documentsDestroyed++;
    } else if (d.kind === 'document') {
      const actual = await hashStored(deps.store, d.version!.objectKey);
      documentsHashed++;
      if (actual === null) report(d.position, `falta el contenido de ${d.document!.identifier} v${d.version!.number} en el almacén`);
      else if (actual !== d.sha256) report(d.position, `el contenido de ${d.document!.identifier} v${d.version!.number} cambió: SHA-256 registrado ${d.sha256}, calculado ${actual}`);
      if (d.sha256 !== d.version!.sha256) report(d.position, `el SHA-256 de la entrada (${d.sha256}) no es el de la versión (${d.version!.sha256})`);
    } else if (d.kind === 'case-file') {
      const nested = await caseFileRepository.findById(deps.db, c.agencyId, d.nestedCaseFileId!);
      const pinned = await caseFileRepository.findIndexVersion(deps.db, d.nestedCaseFileId!, d.nestedIndexVersion!);
      if (pinned && pinned.sha256 !== d.sha256) report(d.position, `el índice fijado del expediente acumulado ${d.nestedIuie} v${d.nestedIndexVersion} tiene SHA-256 ${pinned.sha256}, la entrada dice ${d.sha256}`);
      if (nested && !seen.has(nested.id)) {
        const inner = await verifyCaseFile(deps, nested, `${path}/${nested.iuie}`, seen);
        problems.push(...inner.problems);
        documentsHashed += inner.documentsHashed;
        documentsDestroyed += inner.documentsDestroyed;
      }
    }
  }

  const sealedVersions: SealedVersionCheck[] = [];
  let latest: CaseFileIndex | null = null;
  for (const v of await caseFileRepository.indexVersions(deps.db, c.id)) {
    // Read once: the same bytes are hashed, parsed and checked for their seal.
    const xml = (await deps.store.exists(v.objectKey)) ? await readWhole(deps.store, v.objectKey) : null;
    const actual = xml && createHash('sha256').update(xml).digest('hex');
    const check: SealedVersionCheck = { version: v.number, sha256: v.sha256, storedBytesMatch: actual === v.sha256, seal: { valid: false, signer: null, problems: [] } };
    sealedVersions.push(check);
    if (xml === null) {
      report(null, `falta en el almacén el índice sellado versión ${v.number}`);
      continue;
    }
    if (actual !== v.sha256) report(null, `el índice sellado versión ${v.number} cambió: SHA-256 registrado ${v.sha256}, calculado ${actual}`);
    let index: CaseFileIndex;
    try {
      index = parseCaseFileXml(xml.toString('utf8'));
    } catch (err) {
      if (!(err instanceof CaseFileXmlError)) throw err;
      report(null, `el índice sellado versión ${v.number} no se puede leer: ${err.message}`);
      continue;
    }
    const seal = verifyXmlSeal(xml.toString('utf8'), deps.anchors, { at: v.sealedAt, expectReference: 'document' });
    check.seal = { valid: seal.valid, signer: seal.signer, problems: seal.problems };
    for (const p of seal.problems) report(null, `sello del índice versión ${v.number}: ${p}`);
    if (v.number === c.indexVersion) latest = index;
  }
  if (c.indexVersion > 0 && latest) {
    const held = live.entries;
    const sealedEntries = latest.entries;
    if (c.state !== 'abierto' && held.length !== sealedEntries.length) {
      report(null, `el índice sellado lista ${sealedEntries.length} entradas y el expediente tiene ${held.length}`);
    }
    for (const s of sealedEntries) {
      const h = held[s.order - 1];
      if (!h) report(s.order, 'la entrada está en el índice sellado pero no en el expediente');
      else if (c.state !== 'abierto' || !h.removed) {
        const [a, b] = [fingerprint(s), fingerprint(h)];
        if (a !== b) report(s.order, `difiere del índice sellado: sellado «${a}», registrado «${b}»`);
      }
    }
  }
  return { iuie: c.iuie, valid: problems.length === 0, checkedAt: deps.clock.now(), state: c.state, entries: details.length, documentsHashed, documentsDestroyed, sealedVersions, problems };
}
