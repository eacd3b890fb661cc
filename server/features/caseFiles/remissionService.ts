import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { MGDEE } from '../../../standards/chile/caseFileMetadata.ts';
import { MGDDE } from '../../../standards/chile/documentMetadata.ts';
import type { CaseFileIndex, DocumentEntry } from '../../../standards/caseFile/CaseFileIndex.ts';
import { nestedFolder } from '../../../standards/caseFile/remissionLayout.ts';
import type { ObjectStore, PutResult } from '../../../storage/ObjectStore.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { ConflictError, GoneError, ValidationError } from '../../errors.ts';
import type { AuditService } from '../audit/auditService.ts';
import { documentRepository, type DocumentRow } from '../documents/documentRepository.ts';
import { indexDocumentText, metadataText } from '../search/indexDocumentText.ts';
import { assertObjectPresent, discardIfUnreferenced } from '../objects/objectGuard.ts';
import type { Actor } from '../principals/Actor.ts';
import type { CaseFileReceiptIssuer, IndexSeal } from './CaseFileAdapters.ts';
import { caseFileRepository, type CaseFileRow } from './caseFileRepository.ts';
import type { CaseFileService } from './caseFileService.ts';
import { readPackage, writePackage, type PackageCheck } from './remissionPackage.ts';
import { readSealedIndex } from './indexModel.ts';

/** Maximum size of a sealed index inside a package: 10,000 entries with full metadata stay far below it. */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;

/** What the API reports of a package check: the verdict and every problem, never the parsed index itself. */
export const packageReport = (check: PackageCheck) => ({
  valid: check.valid,
  iuie: check.index?.metadata.MGDEE1_1 ?? null,
  indexVersion: check.index?.indexVersion ?? null,
  sender: check.index ? { code: check.index.metadata.MGDEE51_1, name: check.index.metadata.MGDEE51_2 } : null,
  seal: check.seal ? { valid: check.seal.valid, trusted: check.seal.trusted, signer: check.seal.signer } : null,
  filesChecked: check.filesChecked,
  problems: check.problems,
});

/**
 * Remission between agencies (DS 10 art. 24; ENI's remisión): the sender exports one verifiable package; the
 * receiver verifies every hash and the seal before accepting anything, then registers a read-only copy that keeps
 * the sender's identifiers, order, folios and sealed index, with the package's provenance.
 */
export class RemissionService {
  constructor(
    private readonly knex: Knex,
    private readonly store: ObjectStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly seal: IndexSeal,
    private readonly caseFiles: CaseFileService,
    private readonly receipts: CaseFileReceiptIssuer,
  ) {}

  async export(actor: Actor, iuie: string): Promise<{ fileName: string; indexVersion: number; indexSha256: string; body: Readable }> {
    const c = await this.caseFiles.require(this.knex, actor, iuie);
    const destroyed = await this.knex('case_file_entries as e').join('disposed_versions as dv', 'dv.version_id', 'e.version_id').where('e.case_file_id', c.id).first('e.position');
    if (destroyed) {
      throw new GoneError(`El contenido del expediente ${iuie} se eliminó conforme a su tabla de retención (entrada ${destroyed.position} y otras): no puede remitirse; quedan su índice sellado y sus metadatos.`);
    }
    const { index } = await this.caseFiles.sealForRemission(actor, iuie);
    const sealed = await readSealedIndex(this.store, index.objectKey);
    return { fileName: `${iuie}-indice-v${index.number}.tar`, indexVersion: index.number, indexSha256: index.sha256, body: writePackage(this.store, sealed.xml, sealed.index) };
  }

  /** Checks a package without keeping anything (the CLI's offline verification and a dry run for the API). */
  async check(body: Readable): Promise<PackageCheck> {
    return readPackage(body, { anchors: this.seal.anchors, maxIndexBytes: MAX_INDEX_BYTES });
  }

  /**
   * Imports a package already streamed into the store. A re-delivery of the same bytes answers with the first
   * import; a package that fails any check is refused with the full report and leaves nothing behind.
   */
  async import(actor: Actor, packagePut: PutResult): Promise<{ status: number; body: unknown; replayed: boolean }> {
    const kept = new Map<string, PutResult>();
    try {
      const previous = await this.knex('case_file_imports as i').join('case_files as c', 'c.id', 'i.case_file_id').where({ 'i.agency_id': actor.agencyId, 'i.package_sha256': packagePut.sha256 }).first('c.iuie', 'i.id');
      if (previous) return { status: 200, body: await this.importView(actor, previous.iuie), replayed: true };
      const check = await readPackage(await this.store.get(packagePut.key), { anchors: this.seal.anchors, maxIndexBytes: MAX_INDEX_BYTES, keep: (_f, s) => this.store.put(s) }, kept);
      if (!check.valid || !check.index || !check.sealedIndex || !check.seal) {
        throw new ValidationError(`El paquete no pasó la verificación (${check.problems.length} problema(s)); no se registró nada. Pida al órgano remitente un paquete íntegro.`, check.problems.map((p) => ({ field: p.path, message: p.problem })));
      }
      const indexPut = await this.store.put(Readable.from([check.sealedIndex]));
      kept.set('', indexPut);
      const index = check.index;
      const sealSubject = check.seal.signer?.subject ?? '';
      await this.knex.transaction(async (trx) => {
        const claimed = await trx('case_file_imports').where({ agency_id: actor.agencyId, package_sha256: packagePut.sha256 }).first('id');
        if (claimed) return;
        const now = this.clock.now();
        const caseFile = await this.receive(trx, actor, index, indexPut, kept, '', now);
        await trx('case_file_imports').insert({
          agency_id: actor.agencyId,
          case_file_id: caseFile.id,
          package_sha256: packagePut.sha256,
          package_size: packagePut.size,
          sender_agency_code: index.metadata[MGDEE.agencyCode],
          sender_iuie: index.metadata[MGDEE.iuie],
          sender_index_version: index.indexVersion ?? 0,
          seal_subject: sealSubject,
          received_by: actor.principalId,
          received_at: now,
        });
        const receipt = await this.receipts.issue(trx, { actor, caseFile, act: 'recepcion', detail: `Recepción de la remisión del expediente ${caseFile.iuie} desde ${index.metadata[MGDEE.agencyName]}` });
        await this.audit.append(trx, {
          agencyId: actor.agencyId,
          actorId: actor.principalId,
          requestId: actor.requestId,
          action: 'case-file.import',
          targetType: 'case-file',
          targetId: caseFile.id,
          data: { iuie: caseFile.iuie, sender: index.metadata[MGDEE.agencyCode], packageSha256: packagePut.sha256, indexVersion: index.indexVersion, sealSubject, receipt: receipt.receiptNumber },
        });
      });
      return { status: 201, body: await this.importView(actor, index.metadata[MGDEE.iuie]), replayed: false };
    } finally {
      for (const put of [...kept.values(), packagePut]) await discardIfUnreferenced(this.knex, this.store, put);
    }
  }

  private async importView(actor: Actor, iuie: string) {
    const c = (await caseFileRepository.findByIuie(this.knex, actor.agencyId, iuie))!;
    const provenance = await this.knex('case_file_imports').where({ case_file_id: c.id }).first();
    return {
      caseFile: this.caseFiles.view(c),
      provenance: {
        senderAgencyCode: provenance.sender_agency_code,
        senderIuie: provenance.sender_iuie,
        senderIndexVersion: provenance.sender_index_version,
        packageSha256: provenance.package_sha256,
        packageSize: Number(provenance.package_size),
        sealSubject: provenance.seal_subject,
        receivedAt: provenance.received_at,
      },
    };
  }

  /**
   * Registers one received case file (nested ones first, depth first), keeping the sender's IUIe, index version,
   * entries, folios and document identifiers, so its sealed index verifies against the receiver's records.
   */
  private async receive(trx: Db, actor: Actor, index: CaseFileIndex, indexPut: PutResult, kept: Map<string, PutResult>, prefix: string, now: Date): Promise<CaseFileRow> {
    const iuie = index.metadata[MGDEE.iuie];
    const existing = await caseFileRepository.findByIuie(trx, actor.agencyId, iuie);
    if (existing) {
      const same = existing.state === 'recibido' && (await caseFileRepository.findIndexVersion(trx, existing.id, index.indexVersion ?? 0))?.sha256 === indexPut.sha256;
      if (same) return existing;
      throw new ConflictError(`Su agencia ya tiene un expediente ${iuie} con otro contenido; no se reemplaza con la remisión recibida.`);
    }
    const m = index.metadata;
    const caseFile = await caseFileRepository.insert(trx, actor.agencyId, actor.principalId, { ...m, [MGDEE.state]: 'recibido' });
    let folios = 0;
    for (const e of index.entries) {
      const base = {
        caseFileId: caseFile.id,
        position: e.order,
        kind: e.kind,
        addedBy: actor.principalId,
        incorporatedAt: e.incorporatedAt,
        removedAt: e.removed?.at ?? null,
        removedBy: e.removed ? actor.principalId : null,
        removedReason: e.removed ? `${e.removed.reason} (retirada en origen por ${e.removed.by})` : null,
        versionId: null,
        linkUri: null,
        linkDescription: null,
        nestedCaseFileId: null,
        nestedIndexVersion: null,
      };
      if (e.kind === 'document') {
        const versionId = await this.receiveDocument(trx, actor, e, kept.get(prefix + e.packagePath!)!);
        await caseFileRepository.insertEntry(trx, actor.agencyId, { ...base, versionId, sha256: e.sha256, firstFolio: e.firstFolio, lastFolio: e.lastFolio });
        folios = e.lastFolio;
      } else if (e.kind === 'link') {
        await caseFileRepository.insertEntry(trx, actor.agencyId, { ...base, linkUri: e.uri, linkDescription: e.description, sha256: e.sha256, firstFolio: null, lastFolio: null });
      } else {
        const folder = prefix + nestedFolder(e.order);
        const nested = await this.receive(trx, actor, e.index, kept.get(`${folder}indice.xml`)!, kept, folder, now);
        await caseFileRepository.insertEntry(trx, actor.agencyId, { ...base, nestedCaseFileId: nested.id, nestedIndexVersion: e.indexVersion, sha256: e.sha256, firstFolio: e.firstFolio, lastFolio: e.lastFolio });
        folios = e.lastFolio;
      }
    }
    const version = index.indexVersion ?? 1;
    await assertObjectPresent(trx, this.store, indexPut.key);
    await caseFileRepository.insertIndexVersion(trx, actor.agencyId, caseFile.id, {
      number: version,
      purpose: 'recepcion',
      entryCount: index.entries.length,
      sha256: indexPut.sha256,
      size: indexPut.size,
      objectKey: indexPut.key,
      sealedBy: actor.principalId,
      sealedAt: now,
    });
    const closing = m[MGDEE.closedAt];
    const closedAt = closing ? new Date(closing) : null;
    await caseFileRepository.update(trx, caseFile.id, { entryCount: index.entries.length, folioCount: folios, indexVersion: version, closedAt });
    return { ...caseFile, entryCount: index.entries.length, folioCount: folios, indexVersion: version, closedAt };
  }

  /** The received version under the sender's document identifier and version number; identical bytes are reused. */
  private async receiveDocument(trx: Db, actor: Actor, e: DocumentEntry, put: PutResult): Promise<string> {
    const f = e.fields;
    let document = await trx('documents').where({ agency_id: actor.agencyId, identifier: e.documentIdentifier }).first('id', 'current_version');
    let inserted: DocumentRow | null = null;
    if (!document) {
      inserted = await documentRepository.insertDocument(trx, {
        agencyId: actor.agencyId,
        identifier: e.documentIdentifier,
        title: e.title,
        documentType: typeof f[MGDDE.documentType] === 'number' ? (f[MGDDE.documentType] as number) : null,
        seriesCode: typeof f[MGDDE.seriesCode] === 'string' ? (f[MGDDE.seriesCode] as string) : null,
        accessLevel: typeof f[MGDDE.accessLevel] === 'number' ? (f[MGDDE.accessLevel] as number) : 1,
        sensitive: f[MGDDE.sensitive] === 1,
        documentCreatedAt: typeof f[MGDDE.createdAt] === 'string' ? new Date(f[MGDDE.createdAt] as string) : e.incorporatedAt,
        // Origen 2: arrived through interoperability (DS 10 art. 24).
        metadata: JSON.parse(JSON.stringify({ ...f, [MGDDE.origin]: 2 })),
        searchText: [e.title, ...(Array.isArray(f[MGDDE.keywords]) ? (f[MGDDE.keywords] as string[]) : [])].join(' ').toLowerCase(),
        createdBy: actor.principalId,
      });
      document = { id: inserted.id, current_version: 0 };
    }
    const held = await documentRepository.findVersion(trx, actor.agencyId, document.id, e.version);
    if (held) {
      if (held.sha256 !== e.sha256) throw new ConflictError(`Su agencia ya tiene ${e.documentIdentifier} v${e.version} con otro contenido (SHA-256 ${held.sha256}).`);
      return held.id;
    }
    await assertObjectPresent(trx, this.store, put.key);
    const version = await documentRepository.insertVersion(trx, {
      documentId: document.id,
      agencyId: actor.agencyId,
      number: e.version,
      status: 'final',
      finalizedAt: this.clock.now(),
      sha256: put.sha256,
      size: put.size,
      mediaType: e.mediaType,
      objectKey: put.key,
      fileName: null,
      pageCount: e.mediaType === 'application/pdf' ? e.lastFolio - e.firstFolio + 1 : null,
      pdfa: null,
      origin: 'upload',
      derivedFrom: null,
      createdBy: actor.principalId,
    });
    if (e.version > document.current_version) await documentRepository.setCurrentVersion(trx, document.id, e.version);
    if (inserted) await indexDocumentText(trx, { agencyId: actor.agencyId, documentId: inserted.id, versionId: version.id, source: 'metadata', text: metadataText(inserted) });
    return version.id;
  }
}
