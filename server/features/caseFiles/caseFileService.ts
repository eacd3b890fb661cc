import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { MGDEE, type CaseFileMetadata, type CaseFileMetadataInput, type CaseFileState } from '../../../standards/chile/caseFileMetadata.ts';
import { DOCUMENT_TYPE_LABELS } from '../../../standards/chile/documentMetadata.ts';
import { buildCaseFileXml } from '../../../standards/caseFile/caseFileXml.ts';
import { buildEniExpediente, signEniExpediente } from '../../../standards/eni/eniExpedienteXml.ts';
import { sealXml } from '../../../standards/xmldsig/sealXml.ts';
import type { ObjectStore, PutResult } from '../../../storage/ObjectStore.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import type { AuditService } from '../audit/auditService.ts';
import { documentRepository } from '../documents/documentRepository.ts';
import { fingerprintOf, idempotent } from '../idempotency/idempotency.ts';
import { assertObjectPresent, discardIfUnreferenced } from '../objects/objectGuard.ts';
import type { Actor } from '../principals/Actor.ts';
import { nextRegistryNumber } from '../registry/nextRegistryNumber.ts';
import type { CaseFileReceiptIssuer, IndexSeal, LinkHasher } from './CaseFileAdapters.ts';
import { caseFileRepository, type CaseFileRow, type EntryDetail, type IndexVersionRow } from './caseFileRepository.ts';
import { buildIndexModel, currentMetadata } from './indexModel.ts';
import { verifyCaseFile, type CaseFileVerification } from './verifyCaseFile.ts';

export type EntryInput =
  | { kind: 'document'; documentId: string; version: number }
  | { kind: 'link'; uri: string; description: string }
  | { kind: 'case-file'; iuie: string };

export type HistoryRecord = 'traceability' | 'access' | 'acts';

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const yyyymmdd = (d: Date) => d.toISOString().slice(0, 10).replaceAll('-', '');

/** Reads of a case file are actions under this prefix: the access record (DS 10 art. 19.5) is exactly them. */
const ACCESS = 'case-file.access.';

/** ENI's Estado: E01 open, E02 closed; a received remission is closed for the receiver. */
const ENI_STATE: Record<CaseFileState, 'E01' | 'E02'> = { abierto: 'E01', cerrado: 'E02', recibido: 'E02', transferido: 'E02' };

export class CaseFileService {
  constructor(
    private readonly knex: Knex,
    private readonly store: ObjectStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly seal: IndexSeal,
    private readonly links: LinkHasher,
    private readonly receipts: CaseFileReceiptIssuer,
    private readonly publicBaseUrl: string,
  ) {}

  /** An audit event on a case file by the acting principal, in the caller's transaction. */
  private record(db: Db, actor: Actor, caseFile: CaseFileRow, action: string, data: Record<string, unknown> = {}) {
    return this.audit.append(db, {
      agencyId: actor.agencyId,
      actorId: actor.principalId,
      requestId: actor.requestId,
      action,
      targetType: 'case-file',
      targetId: caseFile.id,
      data: { iuie: caseFile.iuie, ...data },
    });
  }

  async require(db: Db, actor: Actor, iuie: string, forUpdate = false): Promise<CaseFileRow> {
    const c = await caseFileRepository.findByIuie(db, actor.agencyId, iuie, forUpdate);
    if (!c) throw new NotFoundError(`No existe ese expediente (IUIe) en su agencia.`);
    return c;
  }

  private requireOpen(c: CaseFileRow, what: string) {
    if (c.state === 'abierto') return;
    const why = c.state === 'recibido' ? 'es una remisión recibida de otro órgano y no se modifica' : 'está cerrado; reábralo (POST …/reopen) si el procedimiento continúa';
    throw new ConflictError(`No se puede ${what}: el expediente ${c.iuie} ${why}.`);
  }

  /** Opens a case file: IUIe from the agency's gap-free sequence, the guide's metadata, and a signed filing receipt. */
  async open(actor: Actor, input: CaseFileMetadataInput, idempotencyKey?: string) {
    return this.knex.transaction(async (trx) =>
      idempotent(trx, { agencyId: actor.agencyId, key: idempotencyKey, route: 'POST /v1/case-files', fingerprint: fingerprintOf(JSON.stringify(input)) }, async () => {
        const now = this.clock.now();
        const agency = await trx('agencies').where({ id: actor.agencyId }).first('code', 'name');
        const n = await nextRegistryNumber(trx, actor.agencyId, 'EXP', now.getUTCFullYear());
        const iuie = `EXP-${yyyymmdd(now)}-${pad(n, 6)}-${actor.agencyCode}`;
        const related = input[MGDEE.relatedAgencies] ?? [];
        const metadata: CaseFileMetadata = {
          ...input,
          [MGDEE.iuie]: iuie,
          [MGDEE.state]: 'abierto',
          [MGDEE.createdAt]: input[MGDEE.createdAt] ?? now.toISOString(),
          [MGDEE.uri]: `${this.publicBaseUrl}/v1/case-files/${iuie}`,
          [MGDEE.agencyCode]: agency.code,
          [MGDEE.agencyName]: agency.name,
          // The guide requires at least the custodian; when none is named, the producer keeps custody.
          [MGDEE.relatedAgencies]: related.some((r) => r.relation === 4) ? related : [...related, { relation: 4, code: agency.code, name: agency.name }],
        };
        const caseFile = await caseFileRepository.insert(trx, actor.agencyId, actor.principalId, metadata);
        const receipt = await this.receipts.issue(trx, { actor, caseFile, act: 'apertura', detail: `Apertura del expediente ${iuie}` });
        await this.record(trx, actor, caseFile, 'case-file.open', { receipt: receipt.receiptNumber, procedure: caseFile.procedureCode });
        return { status: 201, body: { caseFile: this.view(caseFile), receipt } };
      }),
    );
  }

  /** What the API shows of a case file row. */
  view(c: CaseFileRow) {
    return {
      iuie: c.iuie,
      state: c.state,
      title: c.title,
      procedureCode: c.procedureCode,
      accessLevel: c.accessLevel,
      sensitive: c.sensitive,
      entryCount: c.entryCount,
      folioCount: c.folioCount,
      indexVersion: c.indexVersion,
      closedAt: c.closedAt,
      createdAt: c.createdAt,
      metadata: currentMetadata(c),
    };
  }

  /**
   * Adds an item at the next order. The case-file row is locked for the whole transaction, so concurrent additions
   * queue and each takes order n+1 and the folios after the last; a link's hash is fetched before the lock.
   */
  async addEntry(actor: Actor, iuie: string, input: EntryInput, idempotencyKey?: string) {
    const linkHash = input.kind === 'link' ? await this.links.sha256(input.uri) : null;
    return this.knex.transaction(async (trx) =>
      idempotent(trx, { agencyId: actor.agencyId, key: idempotencyKey, route: `POST /v1/case-files/${iuie}/entries`, fingerprint: fingerprintOf(JSON.stringify(input)) }, async () => ({
        status: 201,
        body: await this.addEntryIn(trx, actor, iuie, input, linkHash),
      })),
    );
  }

  /** Adds an entry inside the caller's transaction (a communication sent within a procedure adds itself this way). */
  async addEntryIn(trx: Db, actor: Actor, iuie: string, input: EntryInput, linkHash: string | null = null) {
    const c = await this.require(trx, actor, iuie, true);
    this.requireOpen(c, 'incorporar documentos');
    const now = this.clock.now();
    const position = c.entryCount + 1;
    let item: { versionId?: string; sha256: string | null; pages: number; nestedCaseFileId?: string; nestedIndexVersion?: number; linkUri?: string; linkDescription?: string };
    let summary: Record<string, unknown>;
    if (input.kind === 'document') {
      const version = await documentRepository.findVersion(trx, actor.agencyId, input.documentId, input.version);
      if (!version) throw new NotFoundError(`No existe la versión ${input.version} del documento ${input.documentId} en su agencia.`);
      item = { versionId: version.id, sha256: version.sha256, pages: version.pageCount ?? 1 };
      summary = { documentId: input.documentId, version: input.version, sha256: version.sha256 };
    } else if (input.kind === 'link') {
      item = { linkUri: input.uri, linkDescription: input.description, sha256: linkHash, pages: 0 };
      summary = { uri: input.uri, sha256: linkHash };
    } else {
      const nested = await this.nestable(trx, actor, c, input.iuie);
      item = { nestedCaseFileId: nested.caseFile.id, nestedIndexVersion: nested.index.number, sha256: nested.index.sha256, pages: nested.caseFile.folioCount };
      summary = { nested: input.iuie, indexVersion: nested.index.number, sha256: nested.index.sha256 };
    }
    const firstFolio = item.pages > 0 ? c.folioCount + 1 : null;
    const lastFolio = item.pages > 0 ? c.folioCount + item.pages : null;
    const entry = await caseFileRepository.insertEntry(trx, actor.agencyId, {
      caseFileId: c.id,
      position,
      kind: input.kind,
      versionId: item.versionId ?? null,
      linkUri: item.linkUri ?? null,
      linkDescription: item.linkDescription ?? null,
      nestedCaseFileId: item.nestedCaseFileId ?? null,
      nestedIndexVersion: item.nestedIndexVersion ?? null,
      sha256: item.sha256,
      firstFolio,
      lastFolio,
      addedBy: actor.principalId,
      incorporatedAt: now,
    });
    await caseFileRepository.update(trx, c.id, { entryCount: position, folioCount: lastFolio ?? c.folioCount });
    await this.record(trx, actor, c, 'case-file.entry.add', { order: position, kind: input.kind, firstFolio, lastFolio, ...summary });
    const [detail] = await caseFileRepository.entryDetails(trx, c.id, { afterPosition: position - 1, limit: 1 });
    return entryView(detail ?? { ...entry, document: null, version: null, nestedIuie: null });
  }

  /**
   * A nested case file must be this agency's, sealed (its index is pinned at the latest sealed version), hold
   * folios, and must not contain this case file at any depth: nesting it would make a cycle.
   */
  private async nestable(trx: Db, actor: Actor, c: CaseFileRow, iuie: string): Promise<{ caseFile: CaseFileRow; index: IndexVersionRow }> {
    if (iuie === c.iuie) throw new ValidationError('Un expediente no puede contenerse a sí mismo.', [{ field: 'body.iuie', message: 'es el mismo expediente' }]);
    const nested = await caseFileRepository.findByIuie(trx, actor.agencyId, iuie);
    if (!nested) throw new NotFoundError(`No existe el expediente ${iuie} en su agencia.`);
    if (nested.state === 'abierto' || nested.indexVersion === 0) {
      throw new ConflictError(`El expediente ${iuie} está abierto: ciérrelo primero, para que su índice sellado quede fijado al acumularlo.`);
    }
    if (nested.folioCount === 0) throw new ConflictError(`El expediente ${iuie} no tiene documentos foliados; no hay nada que acumular.`);
    const seen = new Set<string>([nested.id]);
    for (let frontier = [nested.id]; frontier.length; ) {
      const next = await caseFileRepository.nestedIds(trx, frontier);
      if (next.includes(c.id)) throw new ConflictError(`Acumular ${iuie} crearía un ciclo: ${iuie} ya contiene (directa o indirectamente) a ${c.iuie}.`);
      frontier = next.filter((id) => !seen.has(id));
      frontier.forEach((id) => seen.add(id));
    }
    const index = await caseFileRepository.findIndexVersion(trx, nested.id, nested.indexVersion);
    return { caseFile: nested, index: index! };
  }

  /** Removal from an open case file (desglose): the entry stays in the index, marked, and the act is recorded. */
  async removeEntry(actor: Actor, iuie: string, order: number, reason: string) {
    return this.knex.transaction(async (trx) => {
      const c = await this.require(trx, actor, iuie, true);
      this.requireOpen(c, 'retirar documentos');
      const entry = await caseFileRepository.findEntry(trx, c.id, order);
      if (!entry) throw new NotFoundError(`El expediente ${iuie} no tiene una entrada con orden ${order}.`);
      if (entry.removedAt) throw new ConflictError(`La entrada ${order} ya fue retirada el ${entry.removedAt.toISOString()}.`);
      const at = this.clock.now();
      await caseFileRepository.markRemoved(trx, entry.id, { at, by: actor.principalId, reason });
      await this.record(trx, actor, c, 'case-file.entry.remove', { order, reason, kind: entry.kind, sha256: entry.sha256 });
      const [detail] = await caseFileRepository.entryDetails(trx, c.id, { afterPosition: order - 1, limit: 1 });
      return entryView(detail!);
    });
  }

  /**
   * Seals the index as it stands: the case-file XML, signed with the agency seal (enveloped XMLDSig), stored as the
   * next immutable index version. Runs inside the caller's transaction, which holds the case-file lock.
   */
  private async sealIndex(trx: Db, actor: Actor, c: CaseFileRow, purpose: 'cierre' | 'remision', now: Date, puts: PutResult[]): Promise<IndexVersionRow> {
    const number = c.indexVersion + 1;
    const model = await buildIndexModel(trx, this.store, c, { indexVersion: number, generatedAt: now });
    const sealed = Buffer.from(sealXml(buildCaseFileXml(model), this.seal.key, { reference: 'document', signatureId: `sello-${c.iuie}-${number}` }), 'utf8');
    const put = await this.store.put(Readable.from([sealed]));
    puts.push(put);
    await assertObjectPresent(trx, this.store, put.key);
    const row: IndexVersionRow = { number, purpose, entryCount: model.entries.length, sha256: put.sha256, size: put.size, objectKey: put.key, sealedBy: actor.principalId, sealedAt: now };
    await caseFileRepository.insertIndexVersion(trx, actor.agencyId, c.id, row);
    await caseFileRepository.update(trx, c.id, { indexVersion: number });
    return row;
  }

  /** Runs a transaction that may store sealed objects; if it fails, objects nobody references are removed. */
  private async withObjects<T>(work: (trx: Knex.Transaction, puts: PutResult[]) => Promise<T>): Promise<T> {
    const puts: PutResult[] = [];
    try {
      return await this.knex.transaction((trx) => work(trx, puts));
    } catch (err) {
      for (const put of puts) await discardIfUnreferenced(this.knex, this.store, put);
      throw err;
    }
  }

  /** Closing: sets the closing date, freezes the index and seals it as a new index version. */
  async close(actor: Actor, iuie: string) {
    return this.withObjects(async (trx, puts) => {
      const open = await this.require(trx, actor, iuie, true);
      this.requireOpen(open, 'cerrar');
      const now = this.clock.now();
      await caseFileRepository.update(trx, open.id, { state: 'cerrado', closedAt: now });
      const c = { ...open, state: 'cerrado' as const, closedAt: now };
      const index = await this.sealIndex(trx, actor, c, 'cierre', now, puts);
      await this.record(trx, actor, c, 'case-file.close', { indexVersion: index.number, sha256: index.sha256, entries: index.entryCount, closedAt: now.toISOString() });
      return { caseFile: this.view({ ...c, indexVersion: index.number }), index: indexVersionView(index) };
    });
  }

  /**
   * The sealed index a remission carries: the latest one of a closed or received case file, or for an open one a
   * new version sealed now (DESIGN §7: the index is sealed on every remission). The export is recorded as an access.
   */
  async sealForRemission(actor: Actor, iuie: string): Promise<{ caseFile: CaseFileRow; index: IndexVersionRow }> {
    return this.withObjects(async (trx, puts) => {
      const c = await this.require(trx, actor, iuie, true);
      const index =
        c.state === 'abierto'
          ? await this.sealIndex(trx, actor, c, 'remision', this.clock.now(), puts)
          : (await caseFileRepository.findIndexVersion(trx, c.id, c.indexVersion))!;
      await this.record(trx, actor, c, `${ACCESS}export`, { indexVersion: index.number, sha256: index.sha256 });
      return { caseFile: c, index };
    });
  }

  /** Reopening: the sealed versions stay as they are; the next closing seals a new version. */
  async reopen(actor: Actor, iuie: string, reason: string) {
    return this.knex.transaction(async (trx) => {
      const c = await this.require(trx, actor, iuie, true);
      if (c.state !== 'cerrado') throw new ConflictError(c.state === 'abierto' ? `El expediente ${iuie} ya está abierto.` : `El expediente ${iuie} es una remisión recibida; no se reabre.`);
      await caseFileRepository.update(trx, c.id, { state: 'abierto', closedAt: null });
      await this.record(trx, actor, c, 'case-file.reopen', { reason, previousClosing: c.closedAt?.toISOString() ?? null, indexVersion: c.indexVersion });
      return this.view({ ...c, state: 'abierto', closedAt: null });
    });
  }

  /** Every read of a case file is recorded (DS 10 art. 19.5), whatever its access level. */
  private async access<T>(actor: Actor, iuie: string, what: string, read: (c: CaseFileRow) => Promise<T>, data: Record<string, unknown> = {}): Promise<T> {
    const c = await this.require(this.knex, actor, iuie);
    const result = await read(c);
    await this.record(this.knex, actor, c, `${ACCESS}${what}`, data);
    return result;
  }

  async get(actor: Actor, iuie: string) {
    return this.access(actor, iuie, 'read', async (c) => ({
      ...this.view(c),
      indexVersions: (await caseFileRepository.indexVersions(this.knex, c.id)).map(indexVersionView),
      receipts: (await caseFileRepository.receipts(this.knex, c.id)).map(({ objectKey: _k, ...r }) => r),
    }));
  }

  async list(actor: Actor, filter: { state?: CaseFileState | undefined; procedureCode?: string | undefined; beforeSeq?: number | undefined; limit: number }) {
    return caseFileRepository.list(this.knex, { ...filter, agencyId: actor.agencyId, limit: filter.limit + 1 });
  }

  async entries(actor: Actor, iuie: string, page: { afterPosition: number; limit: number }) {
    return this.access(actor, iuie, 'entries', async (c) => (await caseFileRepository.entryDetails(this.knex, c.id, { ...page, limit: page.limit + 1 })).map(entryView), {
      after: page.afterPosition,
    });
  }

  /**
   * The case-file XML: a sealed version as stored, or (no version asked) the latest sealed one of a closed case
   * file, or an unsealed working view of an open one.
   */
  async indexXml(actor: Actor, iuie: string, version?: number): Promise<{ xml: Buffer | Readable; sealed: IndexVersionRow | null }> {
    return this.access(
      actor,
      iuie,
      'index',
      async (c) => {
        const wanted = version ?? (c.state === 'abierto' ? null : c.indexVersion);
        if (wanted === null) {
          const model = await buildIndexModel(this.knex, this.store, c, { indexVersion: null, generatedAt: this.clock.now() });
          return { xml: Buffer.from(buildCaseFileXml(model), 'utf8'), sealed: null };
        }
        const row = await caseFileRepository.findIndexVersion(this.knex, c.id, wanted);
        if (!row) throw new NotFoundError(`El expediente ${iuie} no tiene la versión ${wanted} del índice (versiones selladas: ${c.indexVersion}).`);
        return { xml: await this.store.get(row.objectKey), sealed: row };
      },
      { version: version ?? null },
    );
  }

  /** The case file in Spain's ENI format, its index signed now with the agency seal. */
  async eni(actor: Actor, iuie: string): Promise<{ xml: string; omitted: string[] }> {
    return this.access(actor, iuie, 'eni', async (c) => {
      const model = await buildIndexModel(this.knex, this.store, c, { indexVersion: c.indexVersion || null, generatedAt: this.clock.now() });
      if (!model.entries.some((e) => !e.removed && e.kind !== 'link')) {
        throw new ConflictError(`El expediente ${iuie} no tiene documentos vigentes: ENI exige al menos un documento o expediente indizado.`);
      }
      const built = buildEniExpediente(model, { organo: c.metadata[MGDEE.agencyCode] as string, state: ENI_STATE[c.state] });
      return { xml: signEniExpediente(built, this.seal.key), omitted: built.omitted };
    });
  }

  /** Recomputes every hash, order, folio and seal of the case file (and of those nested in it); see verifyCaseFile. */
  async verify(actor: Actor, iuie: string): Promise<CaseFileVerification> {
    const c = await this.require(this.knex, actor, iuie);
    const report = await verifyCaseFile({ db: this.knex, store: this.store, anchors: this.seal.anchors, clock: this.clock }, c);
    await this.record(this.knex, actor, c, `${ACCESS}verify`, { valid: report.valid, problems: report.problems.length, documentsHashed: report.documentsHashed });
    return report;
  }

  /** The operator's check from the CLI: same verification, recorded as an access by the system itself. */
  async verifyAsOperator(agencyId: string, iuie: string): Promise<CaseFileVerification> {
    const c = await caseFileRepository.findByIuie(this.knex, agencyId, iuie);
    if (!c) throw new NotFoundError(`No existe el expediente ${iuie} en esa agencia.`);
    const report = await verifyCaseFile({ db: this.knex, store: this.store, anchors: this.seal.anchors, clock: this.clock }, c);
    await this.audit.append(this.knex, {
      agencyId,
      actorId: null,
      action: `${ACCESS}verify`,
      targetType: 'case-file',
      targetId: c.id,
      data: { iuie, via: 'cli', valid: report.valid, problems: report.problems.length },
    });
    return report;
  }

  async receipt(actor: Actor, iuie: string, n: number): Promise<{ receiptNumber: string; sha256: string; body: Readable }> {
    return this.access(
      actor,
      iuie,
      'receipt',
      async (c) => {
        const r = (await caseFileRepository.receipts(this.knex, c.id)).find((x) => x.number === n);
        if (!r) throw new NotFoundError(`El expediente ${iuie} no tiene el certificado ${n}.`);
        return { receiptNumber: r.receiptNumber, sha256: r.sha256, body: await this.store.get(r.objectKey) };
      },
      { receipt: n },
    );
  }

  /**
   * The three records DS 10 art. 19 asks of a case file: traceability (every act on it), access (every read of it
   * and every read of its restricted or sensitive documents), and the administrative acts it holds.
   */
  async history(actor: Actor, iuie: string, record: HistoryRecord, page: { afterId: number; limit: number }): Promise<Array<{ id: number } & Record<string, unknown>>> {
    return this.access(
      actor,
      iuie,
      'history',
      async (c) => {
        if (record === 'acts') {
          const acts = (await caseFileRepository.entryDetails(this.knex, c.id)).filter((e) => e.kind === 'document' && e.document?.documentType != null && !e.removedAt);
          const registry = await this.knex('registry_entries').whereIn('version_id', acts.map((a) => a.versionId!)).select('version_id', 'registry_number');
          const numbers = new Map(registry.map((r: { version_id: string; registry_number: string }) => [r.version_id, r.registry_number]));
          return acts.slice(page.afterId, page.afterId + page.limit + 1).map((e) => ({
            id: e.position,
            order: e.position,
            documentType: e.document!.documentType,
            documentTypeLabel: DOCUMENT_TYPE_LABELS[e.document!.documentType!] ?? null,
            identifier: e.document!.identifier,
            version: e.version!.number,
            title: e.document!.title,
            registryNumber: numbers.get(e.versionId!) ?? null,
            incorporatedAt: e.incorporatedAt,
          }));
        }
        const q = this.knex('audit_events').where({ agency_id: actor.agencyId }).andWhere('id', '>', page.afterId).orderBy('id').limit(page.limit + 1);
        if (record === 'traceability') {
          q.andWhere({ target_type: 'case-file', target_id: c.id }).andWhereNot('action', 'like', `${ACCESS}%`);
        } else {
          const documentIds = this.knex('case_file_entries as e').join('document_versions as v', 'v.id', 'e.version_id').where('e.case_file_id', c.id).select(this.knex.raw('v.document_id::text'));
          q.andWhere((w) =>
            w
              .where((x) => x.where({ target_type: 'case-file', target_id: c.id }).andWhere('action', 'like', `${ACCESS}%`))
              .orWhere((x) => x.where({ target_type: 'document' }).whereIn('target_id', documentIds).andWhere('action', 'like', 'document.%read')),
          );
        }
        const rows = await q.select('id', 'action', 'actor_id', 'occurred_at', 'target_type', 'target_id', 'data', 'request_id');
        return rows.map((r: Record<string, unknown>) => ({
          id: Number(r.id),
          action: r.action,
          actorId: r.actor_id,
          occurredAt: r.occurred_at,
          targetType: r.target_type,
          targetId: r.target_id,
          requestId: r.request_id,
          data: r.data,
        }));
      },
      { record },
    );
  }
}

export function indexVersionView(v: IndexVersionRow) {
  return { number: v.number, purpose: v.purpose, entryCount: v.entryCount, sha256: v.sha256, size: v.size, sealedAt: v.sealedAt, sealedBy: v.sealedBy };
}

export function entryView(e: EntryDetail) {
  return {
    order: e.position,
    kind: e.kind,
    sha256: e.sha256,
    firstFolio: e.firstFolio,
    lastFolio: e.lastFolio,
    incorporatedAt: e.incorporatedAt,
    addedBy: e.addedBy,
    document: e.document && e.version ? { id: e.document.id, identifier: e.document.identifier, title: e.document.title, version: e.version.number, mediaType: e.version.mediaType, size: e.version.size } : null,
    link: e.kind === 'link' ? { uri: e.linkUri, description: e.linkDescription } : null,
    caseFile: e.kind === 'case-file' ? { iuie: e.nestedIuie, indexVersion: e.nestedIndexVersion } : null,
    removed: e.removedAt ? { at: e.removedAt, by: e.removedBy, reason: e.removedReason } : null,
  };
}
