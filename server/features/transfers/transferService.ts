import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import type { CaseFileIndex } from '../../../standards/caseFile/CaseFileIndex.ts';
import { INDEX_FILE, nestedFolder } from '../../../standards/caseFile/remissionLayout.ts';
import type { PremisAgent, PremisEvent } from '../../../standards/archive/package/premis.ts';
import { pdfHeaderVersion, pronomFormat } from '../../../standards/archive/package/pronomFormat.ts';
import { planPackage, repDataPath, type CaseFilePart, type PayloadFile } from '../../../standards/archive/package/transferPackage.ts';
import type { ObjectStore } from '../../../storage/ObjectStore.ts';
import { ObjectNotFoundError } from '../../../storage/errors.ts';
import { objectKey } from '../../../storage/objectKey.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldError } from '../../errors.ts';
import type { JobQueue } from '../../queue/JobQueue.ts';
import type { JobHandler } from '../../queue/Queue.ts';
import { VERSION } from '../../version.ts';
import type { AuditService } from '../audit/auditService.ts';
import { caseFileRepository, type CaseFileRow } from '../caseFiles/caseFileRepository.ts';
import { readSealedIndex } from '../caseFiles/indexModel.ts';
import { fingerprintOf, idempotent } from '../idempotency/idempotency.ts';
import { assertObjectPresent, discardIfUnreferenced } from '../objects/objectGuard.ts';
import type { Actor } from '../principals/Actor.ts';
import { ghostscriptPdfaConverter, PdfaConversionError, type PdfaConverter } from './PdfaConverter.ts';
import { LEGAJO_AGENT, preservationEvidence, type PackagedVersion } from './preservationEvents.ts';
import { transferRepository as repo, type TransferCaseFile, type TransferRow } from './transferRepository.ts';
import { PayloadMismatchError, writeBag } from './writeBag.ts';

export interface TransferSettings {
  /** Directory with the official XSDs (ARCHIVE_XSD_DIR); null leaves schemas/ out, with the reason in the README. */
  xsdDir: string | null;
  /** Where PDF/A conversions write their temporary files. */
  workDir: string;
  /** The PDF/A converter, looked up once on first use; null when none is installed. */
  pdfa: () => Promise<PdfaConverter | null>;
}

/** The official schemas a package carries under schemas/, by their path in ARCHIVE_XSD_DIR. */
const SCHEMAS: ReadonlyArray<[name: string, relative: string]> = [
  ['mets.xsd', 'mets/mets.xsd'],
  ['xlink.xsd', 'xlink/xlink.xsd'],
  ['premis-v3-0.xsd', 'premis/premis-v3-0.xsd'],
  ['DILCISExtensionMETS.xsd', 'eark/DILCISExtensionMETS.xsd'],
  ['DILCISExtensionSIPMETS.xsd', 'eark/DILCISExtensionSIPMETS.xsd'],
];

/** A build that would fail the same way on every try (missing or altered bytes): it fails now, with the reason. */
export class TransferBuildError extends Error {
  override readonly name = 'TransferBuildError';
}

export type TransferRequest = { caseFiles: string[]; series?: undefined } | { series: string; caseFiles?: undefined };

const PROGRESS_EVERY_FILES = 25;
const PROGRESS_EVERY_BYTES = 64 * 1024 * 1024;

export class TransferService {
  constructor(
    private readonly knex: Knex,
    private readonly store: ObjectStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly jobs: JobQueue,
    private readonly settings: TransferSettings,
  ) {}

  /** The API's request: one transaction for the transfer, its case files, its job and its audit event. */
  async create(actor: Actor, request: TransferRequest, idempotencyKey?: string) {
    return this.knex.transaction((trx) =>
      idempotent(trx, { agencyId: actor.agencyId, key: idempotencyKey, route: 'POST /v1/transfers', fingerprint: fingerprintOf(JSON.stringify(request)) }, async () => {
        const t = await this.createTransfer(trx, actor, request);
        return { status: 202, body: { id: t.id, state: t.state } };
      }),
    );
  }

  /**
   * Registers a transfer inside the caller's transaction (a disposition run calls this too) and enqueues its build.
   * Every case file must be this agency's own, closed, and in no other live or confirmed transfer; the case-file
   * rows stay locked until the caller commits, so two requests can never take the same case file.
   */
  async createTransfer(trx: Db, actor: Actor, request: TransferRequest, opts: { dispositionId?: string } = {}): Promise<TransferRow> {
    const iuies = request.series !== undefined ? await this.seriesCaseFiles(trx, actor, request.series) : request.caseFiles;
    const duplicates = iuies.filter((x, i) => iuies.indexOf(x) !== i);
    if (duplicates.length) throw new ValidationError(`La lista repite expedientes: ${[...new Set(duplicates)].join(', ')}.`, [...new Set(duplicates)].map((d) => ({ field: 'body.caseFiles', message: `${d} repetido` })));
    const found: CaseFileRow[] = [];
    const unknown: FieldError[] = [];
    const foreign: FieldError[] = [];
    const conflicts: FieldError[] = [];
    const fieldOf = (iuie: string) => (request.series !== undefined ? 'body.series' : `body.caseFiles.${iuies.indexOf(iuie)}`);
    for (const iuie of iuies) {
      const field = fieldOf(iuie);
      const c = await caseFileRepository.findByIuie(trx, actor.agencyId, iuie, true);
      if (!c) {
        const elsewhere = await trx('case_files').where({ iuie }).first('id');
        (elsewhere ? foreign : unknown).push({ field, message: elsewhere ? `${iuie} es de otro órgano; solo se transfieren expedientes propios` : `${iuie} no existe` });
        continue;
      }
      found.push(c);
      if (c.state === 'abierto') conflicts.push({ field, message: `${iuie} está abierto: ciérrelo (POST /v1/case-files/${iuie}/close) antes de transferirlo` });
      else if (c.state === 'recibido') conflicts.push({ field, message: `${iuie} es una remisión recibida de otro órgano: la transfiere su órgano productor` });
      else if (c.state === 'transferido') conflicts.push({ field, message: `${iuie} ya fue transferido al Archivo Nacional` });
    }
    if (unknown.length) throw new ValidationError(`${unknown.length} expediente(s) no existen en su agencia; revise los IUIe indicados en errors.`, unknown);
    if (foreign.length) throw new ForbiddenError(`${foreign.length} expediente(s) pertenecen a otro órgano; solo puede transferir los expedientes de su agencia.`, foreign);
    const live = await repo.inLiveTransfer(trx, found.map((c) => c.id));
    for (const c of found) {
      const other = live.get(c.id);
      if (other) conflicts.push({ field: fieldOf(c.iuie), message: `${c.iuie} ya está en la transferencia ${other}; espere su resultado o use esa transferencia` });
    }
    if (conflicts.length) throw new ConflictError(`${conflicts.length} expediente(s) no se pueden transferir ahora; el detalle de cada uno está en errors.`, conflicts);
    const t = await repo.insert(
      trx,
      { agencyId: actor.agencyId, seriesCode: request.series ?? null, dispositionId: opts.dispositionId ?? null, createdBy: actor.principalId, createdAt: this.clock.now() },
      found.map((c) => ({ id: c.id, indexVersion: c.indexVersion })),
    );
    await this.jobs.enqueue(trx, 'transfer.build', { transferId: t.id }, { singletonKey: t.id });
    await this.record(trx, actor, 'transfer.create', t.id, { caseFiles: found.map((c) => c.iuie), series: request.series ?? null, dispositionId: opts.dispositionId ?? null });
    return t;
  }

  private async seriesCaseFiles(trx: Db, actor: Actor, series: string): Promise<string[]> {
    const rows: Array<{ iuie: string }> = await trx('case_files').where({ agency_id: actor.agencyId, series_code: series }).whereNot('state', 'transferido').orderBy('seq').select('iuie');
    if (!rows.length) throw new ValidationError(`La serie ${series} no tiene expedientes por transferir en su agencia.`, [{ field: 'body.series', message: 'sin expedientes por transferir' }]);
    return rows.map((r) => r.iuie);
  }

  async get(actor: Actor, id: string): Promise<{ transfer: TransferRow; caseFiles: TransferCaseFile[] }> {
    const transfer = await this.require(this.knex, actor, id);
    return { transfer, caseFiles: await repo.caseFiles(this.knex, id) };
  }

  /** A page of the agency's transfers, newest first, each with its case files (fetches `limit + 1` for toPage). */
  async list(actor: Actor, page: { before?: string | undefined; limit: number }): Promise<Array<{ transfer: TransferRow; caseFiles: TransferCaseFile[] }>> {
    if (page.before && !(await repo.find(this.knex, actor.agencyId, page.before))) {
      throw new ValidationError('El cursor no es válido: use el valor nextCursor de la página anterior.', [{ field: 'query.cursor', message: 'cursor inválido' }]);
    }
    const rows = await repo.list(this.knex, actor.agencyId, { before: page.before, limit: page.limit + 1 });
    const caseFiles = await repo.caseFilesOf(this.knex, rows.map((r) => r.id));
    return rows.map((transfer) => ({ transfer, caseFiles: caseFiles.get(transfer.id) ?? [] }));
  }

  /** The stored package of a ready or confirmed transfer; each download is recorded. */
  async packageOf(actor: Actor, id: string): Promise<TransferRow & { packageObjectKey: string; packageSha256: string; packageSize: number }> {
    const t = await this.require(this.knex, actor, id);
    if (!t.packageObjectKey || !t.packageSha256 || t.packageSize === null) {
      throw new ConflictError(t.state === 'failed' ? `La transferencia falló y no tiene paquete: ${t.error}` : `El paquete aún no está listo (estado ${t.state}); consulte GET /v1/transfers/${id} hasta que diga ready.`);
    }
    return { ...t, packageObjectKey: t.packageObjectKey, packageSha256: t.packageSha256, packageSize: t.packageSize };
  }

  async download(actor: Actor, t: { id: string; packageObjectKey: string }, range?: { start: number; end: number }): Promise<Readable> {
    const body = await this.store.get(t.packageObjectKey, range);
    await this.record(this.knex, actor, 'transfer.package.read', t.id, range ? { range: `${range.start}-${range.end}` } : {});
    return body;
  }

  /**
   * The Archivo Nacional accepted the package: the transfer is confirmed with its reception reference and every
   * case file it carries becomes `transferido` (read-only), each act audited, in one transaction.
   */
  async confirm(actor: Actor, id: string, receptionReference: string): Promise<TransferRow> {
    return this.knex.transaction(async (trx) => {
      const t = await this.require(trx, actor, id, true);
      if (t.state !== 'ready') {
        throw new ConflictError(t.state === 'confirmed' ? `La transferencia ya se confirmó el ${t.confirmedAt?.toISOString()} (${t.receptionReference}).` : `Solo se confirma una transferencia con su paquete listo (estado ${t.state}).`);
      }
      const now = this.clock.now();
      await repo.update(trx, id, { state: 'confirmed', confirmed_by: actor.principalId, confirmed_at: now, reception_reference: receptionReference });
      for (const c of await repo.caseFiles(trx, id)) {
        await trx('case_files').where({ id: c.caseFileId }).update({ state: 'transferido' });
        await this.audit.append(trx, { agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId, action: 'case-file.transfer', targetType: 'case-file', targetId: c.caseFileId, data: { iuie: c.iuie, transferId: id, receptionReference, packageSha256: t.packageSha256 } });
      }
      await this.record(trx, actor, 'transfer.confirm', id, { receptionReference, packageSha256: t.packageSha256 });
      return (await repo.findById(trx, id))!;
    });
  }

  /**
   * The transfer.build job. Idempotent: a finished transfer is left alone; a retry after a crash builds again from
   * the records (the interrupted put left nothing under a key), and the row lock at the end lets exactly one
   * package be recorded; a loser's object is removed unless it is the same bytes.
   */
  async runBuild(id: string, signal?: AbortSignal): Promise<void> {
    const t = await repo.findById(this.knex, id);
    if (!t || (t.state !== 'queued' && t.state !== 'building')) return;
    await this.knex('transfers').where({ id }).whereIn('state', ['queued', 'building']).update({ state: 'building', started_at: this.clock.now(), files_done: 0, bytes_done: 0 });
    const work = await fs.mkdtemp(path.join(this.settings.workDir, `transfer-${id}-`));
    try {
      const plan = planPackage(await this.model(t, work, signal));
      await repo.update(this.knex, id, { files_total: plan.entries.length + 4, bytes_total: plan.entries.reduce((n, e) => n + ('bytes' in e ? e.bytes.length : e.file.size), 0) });
      let reported = { files: 0, bytes: 0 };
      let progress = Promise.resolve();
      const body = writeBag(
        plan,
        (f) => this.openPayload(f),
        ({ filesDone, bytesDone }) => {
          if (filesDone - reported.files < PROGRESS_EVERY_FILES && bytesDone - reported.bytes < PROGRESS_EVERY_BYTES) return;
          reported = { files: filesDone, bytes: bytesDone };
          progress = progress.then(() => repo.update(this.knex, id, { files_done: filesDone, bytes_done: bytesDone })).catch(() => undefined);
        },
        t.createdAt,
      );
      let put;
      try {
        put = await this.store.put(body, { signal });
      } catch (err) {
        if (err instanceof PayloadMismatchError) throw new TransferBuildError(err.message);
        throw err;
      }
      await progress;
      try {
        await this.knex.transaction(async (trx) => {
          const locked = await repo.findById(trx, id, true);
          if (locked?.state !== 'building') return;
          await assertObjectPresent(trx, this.store, put.key);
          await repo.update(trx, id, { state: 'ready', package_object_key: put.key, package_sha256: put.sha256, package_size: put.size, files_done: trx.ref('files_total'), bytes_done: trx.ref('bytes_total'), finished_at: this.clock.now(), error: null });
          await this.audit.append(trx, { agencyId: t.agencyId, actorId: null, action: 'transfer.package', targetType: 'transfer', targetId: id, data: { objid: plan.objid, sha256: put.sha256, size: put.size, files: plan.payloadFiles } });
        });
      } finally {
        await discardIfUnreferenced(this.knex, this.store, put);
      }
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  /** Marks the build failed for good, with its reason, visible through GET. */
  async fail(id: string, reason: string): Promise<void> {
    await this.knex('transfers').where({ id }).whereIn('state', ['queued', 'building']).update({ state: 'failed', error: reason.slice(0, 2000), finished_at: this.clock.now() });
  }

  private async openPayload(f: PayloadFile): Promise<Readable> {
    if (f.ref.startsWith('file:')) return createReadStream(f.ref.slice(5));
    try {
      return await this.store.get(f.ref.slice(7));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new TransferBuildError(`Falta en el almacén el objeto de ${f.path} (SHA-256 ${f.sha256}).`);
      throw err;
    }
  }

  /** Everything the package says, gathered from the records: sealed indexes, stored versions, events, agents. */
  private async model(t: TransferRow, work: string, signal?: AbortSignal) {
    const db = this.knex;
    const agency = await db('agencies').where({ id: t.agencyId }).first('code', 'name');
    const requester = await db('principals').where({ id: t.createdBy }).first('name');
    const converter = await this.settings.pdfa();
    const notes: string[] = [];
    const rootEvents: PremisEvent[] = [];
    const extraAgents: PremisAgent[] = [];
    const gsAgent = converter ? { type: 'local', value: `${converter.agent.name.toLowerCase()}-${converter.agent.version}` } : null;
    if (converter && gsAgent) extraAgents.push({ id: gsAgent, name: converter.agent.name, type: 'software', version: converter.agent.version, note: 'pdfwrite -dPDFA=2 (PDF/A-2b)' });
    const now = this.clock.now();
    if (!converter) notes.push('No se generaron copias PDF/A: Ghostscript (gs) no está instalado en el servidor que construyó el paquete.');

    const members = await repo.caseFiles(db, t.id);
    const parts: Array<CaseFilePart & { versions: PackagedVersion[] }> = [];
    /** Numbers the work files of the whole package: two case files each have a documentos/000001.pdf. */
    let converted = 0;
    for (const m of members) {
      const row = await caseFileRepository.findIndexVersion(db, m.caseFileId, m.indexVersion);
      if (!row) throw new TransferBuildError(`El expediente ${m.iuie} no tiene la versión ${m.indexVersion} de su índice sellado.`);
      const { index } = await readSealedIndex(this.store, row.objectKey).catch((err: unknown) => {
        if (err instanceof ObjectNotFoundError) throw new TransferBuildError(`Falta en el almacén el índice sellado v${m.indexVersion} del expediente ${m.iuie}.`);
        throw err;
      });
      const files: PayloadFile[] = [{ path: INDEX_FILE, sha256: row.sha256, size: row.size, mediaType: 'application/xml', created: row.sealedAt, format: pronomFormat('application/xml'), originalName: null, ref: `object:${row.objectKey}` }];
      const versions: PackagedVersion[] = [];
      await this.collectFiles(t.agencyId, m.iuie, index, '', files, versions);
      parts.push({ rep: m.iuie, index, files, events: [], pdfa: null, versions });
    }

    const evidence = await preservationEvidence(db, { agencyId: t.agencyId, transferId: t.id, caseFiles: members.map((m) => ({ id: m.caseFileId, iuie: m.iuie })), versions: parts.flatMap((p) => p.versions) });
    for (const p of parts) {
      const paths = new Set(p.files.map((f) => repDataPath(p.rep, f.path)));
      p.events = evidence.fileEvents.filter((e) => e.objects.some((o) => paths.has(o.id.value)));
      if (!converter || !gsAgent) {
        rootEvents.push({ id: { type: 'legajo-migracion', value: `${p.rep}.pdfa` }, type: 'migration', at: now, detail: 'Copias de preservación PDF/A-2b', outcome: 'not performed', outcomeDetail: notes[0], agents: [{ id: LEGAJO_AGENT, role: 'executing program' }], objects: [{ id: { type: 'IUIe', value: p.rep } }] });
        continue;
      }
      const pdfaRep = `${p.rep}.pdfa`;
      const copies: NonNullable<CaseFilePart['pdfa']> = { rep: pdfaRep, files: [], events: [], note: `Convertidas con ${converter.agent.name} ${converter.agent.version}.` };
      for (const f of p.files.filter((x) => x.mediaType === 'application/pdf')) {
        const source = repDataPath(p.rep, f.path);
        const outcomePath = repDataPath(pdfaRep, f.path);
        const base = { at: this.clock.now(), type: 'migration', agents: [{ id: LEGAJO_AGENT, role: 'executing program' }, { id: gsAgent, role: 'executing program' }] };
        try {
          const copy = await this.convert(converter, f, work, ++converted, signal);
          copies.files.push({ ...f, ...copy, sourcePath: source, originalName: null, format: pronomFormat('application/pdf', { headerVersion: null, pdfa: '2b' }) });
          copies.events.push({ ...base, id: { type: 'legajo-migracion', value: outcomePath }, detail: `PDF a PDF/A-2b con ${converter.agent.name} ${converter.agent.version}`, outcome: 'success', objects: [{ id: { type: 'filepath', value: source }, role: 'source' }, { id: { type: 'filepath', value: outcomePath }, role: 'outcome' }] });
        } catch (err) {
          if (!(err instanceof PdfaConversionError)) throw err;
          p.events.push({ ...base, id: { type: 'legajo-migracion', value: outcomePath }, detail: 'PDF a PDF/A-2b; el original se conserva sin copia de preservación', outcome: 'failure', outcomeDetail: err.message, objects: [{ id: { type: 'filepath', value: source }, role: 'source' }] });
          notes.push(`${source}: sin copia PDF/A (${err.message})`);
        }
      }
      if (copies.files.length) p.pdfa = copies;
    }
    for (const e of evidence.caseFileEvents) rootEvents.push(e);

    return {
      id: t.id,
      createdAt: t.createdAt,
      software: { name: 'legajo', version: VERSION },
      agency: { name: agency.name, code: agency.code },
      contact: requester?.name ?? null,
      caseFiles: parts,
      events: rootEvents,
      agents: [{ id: LEGAJO_AGENT, name: 'legajo', type: 'software', version: VERSION }, ...extraAgents, ...evidence.agents],
      auditLog: evidence.auditLog,
      schemas: await this.schemas(notes),
      notes,
    };
  }

  /**
   * The index's files in package order, each checked present in the store first, so a missing object fails the
   * build before any byte is written: documents at their index path and nested case files with their own index.
   */
  private async collectFiles(agencyId: string, iuie: string, index: CaseFileIndex, prefix: string, files: PayloadFile[], versions: PackagedVersion[]): Promise<void> {
    const docs = index.entries.filter((e) => e.kind === 'document');
    const rows: Array<{ identifier: string; document_id: string; id: string; number: number; object_key: string; file_name: string | null; pdfa: string | null; created_at: Date }> = docs.length
      ? await this.knex('document_versions as v')
          .join('documents as d', 'd.id', 'v.document_id')
          .where('d.agency_id', agencyId)
          .whereIn('d.identifier', [...new Set(docs.map((d) => d.documentIdentifier))])
          .select('d.identifier', 'v.document_id', 'v.id', 'v.number', 'v.object_key', 'v.file_name', 'v.pdfa', 'v.created_at')
      : [];
    const byVersion = new Map(rows.map((r) => [`${r.identifier}#${r.number}`, r]));
    for (const e of index.entries) {
      if (e.kind === 'document') {
        const v = byVersion.get(`${e.documentIdentifier}#${e.version}`);
        const where = `${e.documentIdentifier} v${e.version} (expediente ${iuie}, orden ${e.order})`;
        if (!v) throw new TransferBuildError(`No se encontró ${where} entre las versiones registradas.`);
        const missing = () => new TransferBuildError(`Falta en el almacén el contenido de ${where}, SHA-256 ${e.sha256}; restáurelo desde un respaldo y reintente la transferencia.`);
        // A PDF's first bytes (its version) are read anyway: that read is the presence check.
        let head: Buffer | null = null;
        if (e.mediaType === 'application/pdf') {
          head = await this.head(v.object_key).catch((err: unknown) => {
            throw err instanceof ObjectNotFoundError ? missing() : err;
          });
        } else if (!(await this.store.exists(v.object_key))) throw missing();
        const relative = prefix + e.packagePath!;
        files.push({ path: relative, sha256: e.sha256, size: e.size, mediaType: e.mediaType, created: v.created_at, format: pronomFormat(e.mediaType, { headerVersion: head && pdfHeaderVersion(head), pdfa: v.pdfa }), originalName: v.file_name, ref: `object:${v.object_key}` });
        versions.push({ path: repDataPath(iuie, relative), versionId: v.id, documentId: v.document_id, number: v.number, objectKey: v.object_key, createdAt: v.created_at });
      } else if (e.kind === 'case-file') {
        const folder = prefix + nestedFolder(e.order);
        const sealed = await this.knex('case_file_indexes').where({ sha256: e.sha256 }).first('size', 'sealed_at', 'object_key');
        if (!sealed || !(await this.store.exists(sealed.object_key))) throw new TransferBuildError(`Falta el índice sellado del expediente acumulado ${e.index.metadata.MGDEE1_1} (orden ${e.order} de ${iuie}).`);
        files.push({ path: folder + INDEX_FILE, sha256: e.sha256, size: Number(sealed.size), mediaType: 'application/xml', created: sealed.sealed_at, format: pronomFormat('application/xml'), originalName: null, ref: `object:${objectKey(e.sha256)}` });
        await this.collectFiles(agencyId, iuie, e.index, folder, files, versions);
      }
    }
  }

  private async head(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of await this.store.get(key, { start: 0, end: 1023 })) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /** Copies the original out of the store, converts it, and hashes the copy, all through files on disk. */
  private async convert(converter: PdfaConverter, f: PayloadFile, work: string, n: number, signal?: AbortSignal): Promise<Pick<PayloadFile, 'sha256' | 'size' | 'ref' | 'created'>> {
    const input = path.join(work, `original-${n}.pdf`);
    const output = path.join(work, `pdfa-${n}.pdf`);
    await pipeline(await this.openPayload(f), createWriteStream(input));
    try {
      await converter.convert(input, output, signal);
    } finally {
      await fs.rm(input, { force: true });
    }
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(output)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { sha256: hash.digest('hex'), size, ref: `file:${output}`, created: this.clock.now() };
  }

  /** The official XSDs for schemas/; when any is unreadable none are included and a note says why. */
  private async schemas(notes: string[]): Promise<Array<{ name: string; bytes: Buffer }>> {
    const dir = this.settings.xsdDir;
    if (!dir) {
      notes.push('No se incluyeron los esquemas XSD en schemas/: ARCHIVE_XSD_DIR no está configurado.');
      return [];
    }
    try {
      return await Promise.all(SCHEMAS.map(async ([name, relative]) => ({ name, bytes: await fs.readFile(path.join(dir, relative)) })));
    } catch (err) {
      notes.push(`No se incluyeron los esquemas XSD en schemas/: no se pudieron leer desde ${dir} (${(err as Error).message}).`);
      return [];
    }
  }

  private async require(db: Db, actor: Actor, id: string, forUpdate = false): Promise<TransferRow> {
    const t = await repo.find(db, actor.agencyId, id, forUpdate);
    if (!t) throw new NotFoundError('No existe una transferencia con ese id en su agencia.');
    return t;
  }

  private record(db: Db, actor: Actor, action: string, id: string, data: Record<string, unknown>) {
    return this.audit.append(db, { action, targetType: 'transfer', targetId: id, data, agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId });
  }
}

/** Settings from the archive configuration: work files under the system's temporary directory, gs looked up once. */
export function transferSettings(archive: { xsdDir: string | null }): TransferSettings {
  let converter: Promise<PdfaConverter | null> | undefined;
  return {
    xsdDir: archive.xsdDir,
    workDir: os.tmpdir(),
    pdfa: () => (converter ??= ghostscriptPdfaConverter(path.join(os.tmpdir(), 'legajo-pdfa'))),
  };
}

/** The transfer.build handler: a build that cannot succeed fails now; any other error retries, failing after the last try. */
export function transferBuildJob(transfers: TransferService): JobHandler {
  return async (data, ctx) => {
    if (typeof data.transferId !== 'string') throw new Error('El trabajo transfer.build no trae transferId.');
    try {
      await transfers.runBuild(data.transferId, ctx.signal);
    } catch (err) {
      if (err instanceof TransferBuildError) {
        ctx.log.warn({ err, transferId: data.transferId }, 'transferencia fallida');
        return transfers.fail(data.transferId, err.message);
      }
      if (ctx.retryCount >= ctx.retryLimit) await transfers.fail(data.transferId, (err as Error).message);
      throw err;
    }
  };
}
