import type { Knex } from 'knex';
import type { ByteRange, ObjectStore, PutResult } from '../../../storage/ObjectStore.ts';
import { documentMetadataInput, MGDDE, type DocumentMetadataInput } from '../../../standards/chile/documentMetadata.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../errors.ts';
import type { AuditService } from '../audit/auditService.ts';
import { fingerprintOf, idempotent } from '../idempotency/idempotency.ts';
import { assertObjectPresent } from '../objects/objectGuard.ts';
import type { Actor } from '../principals/Actor.ts';
import { nextRegistryNumber } from '../registry/nextRegistryNumber.ts';
import type { ContentInspector } from './ContentInspector.ts';
import { documentRepository, type DocumentFilter, type DocumentRow, type VersionOrigin, type VersionRow } from './documentRepository.ts';
import type { ReceiptIssuer } from './ReceiptIssuer.ts';
import { Readable } from 'node:stream';
import { signPdf } from '../../../standards/pades/signPdf.ts';
import { stampInitials } from '../../../standards/pades/stampInitials.ts';
import { PdfSigningError } from '../../../standards/pades/PdfSigningError.ts';
import { RegistryStampError, stampRegistryNumber } from '../../../standards/pades/stampRegistryNumber.ts';
import { ForbiddenError, PayloadTooLargeError } from '../../errors.ts';
import type { Signing } from '../signing/openSigning.ts';
import { signatureRows } from './signatureRows.ts';
import { indexDocumentText, metadataText } from '../search/indexDocumentText.ts';
import type { JobQueue } from '../../queue/JobQueue.ts';
import { readWhole } from './storeRangeSource.ts';
import { discardIfUnreferenced } from '../objects/objectGuard.ts';
import { assertContentKept } from '../archive/assertContentKept.ts';

export interface Upload {
  put: PutResult;
  fileName: string | null;
}

export interface Filed {
  document: DocumentRow;
  version: VersionRow;
  receipt: { number: string; sha256: string };
}

/** Restricted, secret, reserved or sensitive: every read is recorded (DS 10 art. 37). */
export const isGuarded = (d: DocumentRow) => d.accessLevel > 1 || d.sensitive;

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const yyyymmdd = (d: Date) => d.toISOString().slice(0, 10).replaceAll('-', '');

export function parseMetadata(json: string | undefined): DocumentMetadataInput {
  if (json === undefined) throw new ValidationError('Falta la parte "metadata" con los metadatos del documento (JSON con los códigos MGDDE).', [{ field: 'metadata', message: 'obligatorio' }]);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new ValidationError(`La parte "metadata" no es JSON válido: ${(err as Error).message}`, [{ field: 'metadata', message: 'JSON inválido' }]);
  }
  const parsed = documentMetadataInput.safeParse(raw);
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({ field: `metadata.${k}`, message: 'campo desconocido (use los códigos MGDDE de la guía)' }))
        : [{ field: ['metadata', ...i.path.map(String)].join('.'), message: i.message }],
    );
    throw new ValidationError(`Los metadatos tienen ${errors.length} error(es); corrija los campos indicados en errors.`, errors);
  }
  return parsed.data;
}

/** A PDF the signing code refuses (encrypted, damaged, a signed draft) is the sender's input problem: 422. */
async function refusedAsInvalid<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof PdfSigningError) throw new ValidationError(err.message, [{ field: 'version', message: 'PDF no firmable' }]);
    throw err;
  }
}

export class DocumentService {
  constructor(
    private readonly knex: Knex,
    private readonly store: ObjectStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly inspector: ContentInspector,
    private readonly receipts: ReceiptIssuer,
    private readonly signing: Signing,
    /** Where a filed PDF's text extraction is queued; null in processes without a queue (its text is then not indexed). */
    private readonly textJobs: JobQueue | null = null,
  ) {}

  /**
   * Files a new document: the bytes are already in the store (streamed by the HTTP edge); here they are checked,
   * then document, version 1, signature reports, receipt and audit event are written in one transaction.
   */
  async file(actor: Actor, upload: Upload, metadata: DocumentMetadataInput, idempotencyKey?: string) {
    if (metadata[MGDDE.agencyCode] !== undefined && metadata[MGDDE.agencyCode] !== actor.agencyCode) {
      throw new ValidationError('MGDDE61_1 debe ser el código de su agencia (o puede omitirse).', [{ field: `metadata.${MGDDE.agencyCode}`, message: `debe ser ${actor.agencyCode}` }]);
    }
    const content = await this.inspector.inspect(upload.put);
    return this.knex.transaction(async (trx) => {
      const answer = await idempotent(
        trx,
        { agencyId: actor.agencyId, key: idempotencyKey, route: 'POST /v1/documents', fingerprint: fingerprintOf(upload.put.sha256, JSON.stringify(metadata)) },
        async () => {
          await assertObjectPresent(trx, this.store, upload.put.key);
          const now = this.clock.now();
          const n = await nextRegistryNumber(trx, actor.agencyId, 'DOCU', now.getUTCFullYear());
          const identifier = `DOCU-${yyyymmdd(now)}-${pad(n, 6)}-${actor.agencyCode}`;
          const stored: Record<string, unknown> = {
            ...metadata,
            [MGDDE.identifier]: identifier,
            [MGDDE.agencyCode]: actor.agencyCode,
            [MGDDE.fileName]: upload.fileName ?? undefined,
            [MGDDE.sizeKb]: Math.ceil(upload.put.size / 1024),
            [MGDDE.pages]: content.pageCount ?? undefined,
            [MGDDE.format]: content.mediaType,
          };
          const document = await documentRepository.insertDocument(trx, {
            agencyId: actor.agencyId,
            identifier,
            title: metadata[MGDDE.title],
            documentType: metadata[MGDDE.documentType] ?? null,
            seriesCode: metadata[MGDDE.seriesCode] ?? null,
            accessLevel: metadata[MGDDE.accessLevel],
            sensitive: metadata[MGDDE.sensitive] === 1,
            documentCreatedAt: new Date(metadata[MGDDE.createdAt]),
            metadata: JSON.parse(JSON.stringify(stored)),
            searchText: [metadata[MGDDE.title], ...metadata[MGDDE.keywords], metadata[MGDDE.summary] ?? ''].join(' ').toLowerCase(),
            createdBy: actor.principalId,
          });
          const { version, receipt } = await this.insertVersion(trx, actor, document, 1, upload, content, 'upload', null);
          await indexDocumentText(trx, { agencyId: actor.agencyId, documentId: document.id, versionId: version.id, source: 'metadata', text: metadataText(document) });
          await this.queueTextExtraction(trx, version);
          await this.record(trx, actor, {
            action: 'document.file',
            targetType: 'document',
            targetId: document.id,
            data: { identifier, version: 1, sha256: version.sha256, size: version.size, mediaType: version.mediaType, receipt: receipt.number },
          });
          return { status: 201, body: { document, version, receipt } satisfies Filed };
        },
      );
      return answer;
    });
  }

  /** Adds a version: always a new row; earlier versions are never touched. */
  async addVersion(actor: Actor, documentId: string, upload: Upload, idempotencyKey?: string) {
    const content = await this.inspector.inspect(upload.put);
    return this.knex.transaction(async (trx) => {
      return idempotent(
        trx,
        { agencyId: actor.agencyId, key: idempotencyKey, route: `POST /v1/documents/${documentId}/versions`, fingerprint: fingerprintOf(upload.put.sha256) },
        async () => {
          const document = await this.requireDocument(trx, actor, documentId, true);
          await assertObjectPresent(trx, this.store, upload.put.key);
          const number = document.currentVersion + 1;
          const { version, receipt } = await this.insertVersion(trx, actor, document, number, upload, content, 'upload', null);
          await documentRepository.setCurrentVersion(trx, document.id, number);
          await this.queueTextExtraction(trx, version);
          await this.record(trx, actor, {
            action: 'document.version.add',
            targetType: 'document',
            targetId: document.id,
            data: { version: number, sha256: version.sha256, size: version.size, mediaType: version.mediaType, receipt: receipt.number },
          });
          return { status: 201, body: { document: { ...document, currentVersion: number }, version, receipt } satisfies Filed };
        },
      );
    });
  }

  private async insertVersion(
    trx: Db,
    actor: Actor,
    document: DocumentRow,
    number: number,
    upload: Upload,
    content: Awaited<ReturnType<ContentInspector['inspect']>>,
    origin: VersionOrigin,
    derivedFrom: number | null,
  ) {
    const final = origin === 'signature';
    const version = await documentRepository.insertVersion(trx, {
      documentId: document.id,
      agencyId: actor.agencyId,
      number,
      status: final ? 'final' : 'draft',
      finalizedAt: final ? this.clock.now() : null,
      sha256: upload.put.sha256,
      size: upload.put.size,
      mediaType: content.mediaType,
      objectKey: upload.put.key,
      fileName: upload.fileName,
      pageCount: content.pageCount,
      pdfa: content.pdfa,
      origin,
      derivedFrom,
      createdBy: actor.principalId,
    });
    await documentRepository.insertSignatures(trx, actor.agencyId, version.id, content.signatures);
    const receipt = await this.receipts.issue(trx, { actor, document, version, channel: 'API' });
    return { version, receipt };
  }

  /** A filed PDF's text layer is read and indexed by the text.extract job, queued with the filing. */
  private async queueTextExtraction(trx: Db, version: VersionRow) {
    if (this.textJobs && version.mediaType === 'application/pdf') await this.textJobs.enqueue(trx, 'text.extract', { versionId: version.id }, { singletonKey: version.id });
  }

  /** An audit event by the acting principal, in the caller's transaction. */
  private record(db: Db, actor: Actor, event: { action: string; targetType: string; targetId: string | null; data: Record<string, unknown> }) {
    return this.audit.append(db, { ...event, agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId });
  }

  async requireDocument(db: Db, actor: Actor, id: string, forUpdate = false): Promise<DocumentRow> {
    const d = await documentRepository.findDocument(db, actor.agencyId, id, forUpdate);
    if (!d) throw new NotFoundError('No existe un documento con ese id en su agencia.');
    return d;
  }

  async requireVersion(db: Db, actor: Actor, documentId: string, number: number, forUpdate = false): Promise<{ document: DocumentRow; version: VersionRow }> {
    const document = await this.requireDocument(db, actor, documentId);
    const version = await documentRepository.findVersion(db, actor.agencyId, documentId, number, forUpdate);
    if (!version) throw new NotFoundError(`El documento no tiene versión ${number}.`);
    return { document, version };
  }

  private async recordRead(db: Db, actor: Actor, documents: DocumentRow[], action: string, data: Record<string, unknown> = {}) {
    const guarded = documents.filter(isGuarded);
    if (!guarded.length) return;
    await this.record(db, actor, {
      action,
      targetType: 'document',
      targetId: guarded.length === 1 ? guarded[0]!.id : null,
      data: { ...data, documents: guarded.map((d) => ({ id: d.id, accessLevel: d.accessLevel, sensitive: d.sensitive })) },
    });
  }

  /** One page (`limit` rows) plus one more row, if any, that only tells the caller another page exists. */
  async list(actor: Actor, filter: Omit<DocumentFilter, 'agencyId'>): Promise<DocumentRow[]> {
    const rows = await documentRepository.listDocuments(this.knex, { ...filter, agencyId: actor.agencyId, limit: filter.limit + 1 });
    await this.recordRead(this.knex, actor, rows.slice(0, filter.limit), 'document.list');
    return rows;
  }

  async get(actor: Actor, id: string): Promise<DocumentRow> {
    const d = await this.requireDocument(this.knex, actor, id);
    await this.recordRead(this.knex, actor, [d], 'document.read');
    return d;
  }

  async versions(actor: Actor, id: string): Promise<VersionRow[]> {
    const d = await this.requireDocument(this.knex, actor, id);
    await this.recordRead(this.knex, actor, [d], 'document.versions.read');
    return documentRepository.listVersions(this.knex, actor.agencyId, id);
  }

  /** When each destroyed version of a document lost its content (by version number); the rest are kept. */
  async destroyedVersions(actor: Actor, id: string): Promise<Map<number, Date>> {
    await this.requireDocument(this.knex, actor, id);
    const rows = await this.knex('disposed_versions as dv').join('document_versions as v', 'v.id', 'dv.version_id').where({ 'v.document_id': id, 'v.agency_id': actor.agencyId }).select('v.number', 'dv.destroyed_at');
    return new Map(rows.map((r: { number: number; destroyed_at: Date }) => [r.number, r.destroyed_at]));
  }

  async version(actor: Actor, id: string, number: number): Promise<VersionRow> {
    const { document, version } = await this.requireVersion(this.knex, actor, id, number);
    await this.recordRead(this.knex, actor, [document], 'document.version.read', { version: number });
    return version;
  }

  async signatures(actor: Actor, id: string, number: number) {
    const { document, version } = await this.requireVersion(this.knex, actor, id, number);
    await this.recordRead(this.knex, actor, [document], 'document.signatures.read', { version: number });
    return documentRepository.listSignatures(this.knex, version.id);
  }

  /** Streams a version's bytes (or a range); the read is recorded before any byte leaves. */
  async content(actor: Actor, id: string, number: number, range?: ByteRange): Promise<{ version: VersionRow; body: Readable }> {
    const { document, version } = await this.requireVersion(this.knex, actor, id, number);
    await assertContentKept(this.knex, version.id);
    await this.recordRead(this.knex, actor, [document], 'document.content.read', { version: number, range: range ?? null });
    return { version, body: await this.store.get(version.objectKey, range) };
  }

  async receipt(actor: Actor, id: string, number: number): Promise<{ receiptNumber: string; sha256: string; body: Readable }> {
    const { version } = await this.requireVersion(this.knex, actor, id, number);
    const r = await documentRepository.findReceipt(this.knex, actor.agencyId, version.id);
    if (!r) throw new NotFoundError('Esta versión no tiene certificado de presentación.');
    return { receiptNumber: r.receiptNumber, sha256: r.sha256, body: await this.store.get(r.objectKey) };
  }

  /**
   * Records-office numbering: the next number of the agency's sequence for this document type and year, gap-free
   * under concurrency; numbering makes the version final.
   */
  async number(actor: Actor, id: string, n: number): Promise<{ version: VersionRow; registryNumber: string }> {
    return this.knex.transaction(async (trx) => {
      const { document, version } = await this.requireVersion(trx, actor, id, n, true);
      const existing = await documentRepository.findRegistryEntry(trx, version.id);
      if (existing) throw new ConflictError(`La versión ${n} ya tiene el número ${existing.registryNumber}; un número no se reasigna.`);
      if (document.documentType === null) {
        throw new ValidationError('Para numerar, el documento debe tener tipo documental (MGDDE5_1).', [{ field: `metadata.${MGDDE.documentType}`, message: 'obligatorio para numerar' }]);
      }
      const now = this.clock.now();
      const year = now.getUTCFullYear();
      const kind = `doc-type:${document.documentType}`;
      const value = await nextRegistryNumber(trx, actor.agencyId, kind, year);
      const registryNumber = `${document.documentType}-${year}-${pad(value, 6)}`;
      await documentRepository.insertRegistryEntry(trx, { agencyId: actor.agencyId, versionId: version.id, kind, year, value, registryNumber, createdBy: actor.principalId });
      await documentRepository.finalize(trx, version.id, now);
      await this.record(trx, actor, {
        action: 'document.version.number',
        targetType: 'document',
        targetId: id,
        data: { version: n, registryNumber },
      });
      const numbered = await documentRepository.findVersion(trx, actor.agencyId, id, n);
      return { version: numbered!, registryNumber };
    });
  }

  /** Loads a PDF version into memory for signing or stamping, within the configured bound. */
  private async pdfBytes(version: VersionRow): Promise<Buffer> {
    if (version.mediaType !== 'application/pdf') {
      throw new ValidationError(`Solo se firman o visan PDF; la versión ${version.number} es ${version.mediaType}.`, [{ field: 'version', message: 'no es PDF' }]);
    }
    if (version.size > this.signing.maxBytes) throw new PayloadTooLargeError(`La versión supera ${this.signing.maxBytes} bytes, el máximo para firmar.`);
    await assertContentKept(this.knex, version.id);
    return readWhole(this.store, version.objectKey);
  }

  /** Stores bytes produced here (signed or stamped) as the next version, in one transaction with its audit event. */
  private async deriveVersion(
    actor: Actor,
    documentId: string,
    from: VersionRow,
    bytes: Buffer,
    origin: 'signature' | 'initials' | 'registry-stamp',
    audit: { action: string; data: Record<string, unknown> },
    after?: (trx: Db, version: VersionRow) => Promise<void>,
  ): Promise<VersionRow> {
    const put = await this.store.put(Readable.from([bytes]));
    try {
      const signatures = await signatureRows(bytes, this.signing.trustAnchors);
      return await this.knex.transaction(async (trx) => {
        const document = await this.requireDocument(trx, actor, documentId, true);
        await assertObjectPresent(trx, this.store, put.key);
        const number = document.currentVersion + 1;
        const version = await documentRepository.insertVersion(trx, {
          documentId,
          agencyId: actor.agencyId,
          number,
          // Initials mark a draft; a signature or the records office's number makes the version final.
          status: origin === 'initials' ? 'draft' : 'final',
          finalizedAt: origin === 'initials' ? null : this.clock.now(),
          sha256: put.sha256,
          size: put.size,
          mediaType: 'application/pdf',
          objectKey: put.key,
          fileName: from.fileName,
          pageCount: from.pageCount,
          pdfa: null,
          origin,
          derivedFrom: from.number,
          createdBy: actor.principalId,
        });
        await documentRepository.insertSignatures(trx, actor.agencyId, version.id, signatures);
        await documentRepository.setCurrentVersion(trx, documentId, number);
        await after?.(trx, version);
        await this.record(trx, actor, {
          action: audit.action,
          targetType: 'document',
          targetId: documentId,
          data: { ...audit.data, from: from.number, version: number, sha256: put.sha256 },
        });
        return version;
      });
    } catch (err) {
      await discardIfUnreferenced(this.knex, this.store, put);
      throw err;
    }
  }

  /**
   * PAdES signature as a new final version (an incremental update: earlier signatures stay valid). The signer is
   * the agency seal, or the official through FirmaGob with their RUN.
   */
  async sign(
    actor: Actor,
    id: string,
    n: number,
    req: { signer: 'seal' | 'firmagob'; reason: string; signerPost: string; visibleStamp: boolean; otp?: string | undefined; purpose: 'Propósito General' | 'Desatendido' },
  ): Promise<VersionRow> {
    const { version } = await this.requireVersion(this.knex, actor, id, n);
    const person = await this.knex('principals').where({ id: actor.principalId }).first('name', 'run');
    let signer = this.signing.seal;
    let signerName = signer.describe().name;
    if (req.signer === 'firmagob') {
      if (!person.run) throw new ForbiddenError('Firmar con FirmaGob requiere un principal persona con RUN; use el sello de la agencia o una cuenta personal.');
      const remote = this.signing.firmaGob({ run: person.run, name: person.name, purpose: req.purpose });
      if (!remote) throw new ValidationError('FirmaGob no está configurado en este servicio (FIRMAGOB_URL).', [{ field: 'body.signer', message: 'no disponible' }]);
      signer = remote;
      signerName = person.name;
    }
    const signed = await refusedAsInvalid(signPdf(await this.pdfBytes(version), signer, {
      reason: req.reason,
      signerName,
      signerPost: req.signerPost,
      signingTime: this.clock.now(),
      visibleStamp: req.visibleStamp,
      ...(req.otp ? { otp: req.otp } : {}),
      description: `${id} v${n}`,
    }));
    return this.deriveVersion(actor, id, version, signed.pdf, 'signature', {
      action: 'document.version.sign',
      data: { signer: signer.describe().kind, signerName, field: signed.fieldName, remoteRequestId: signed.requestId ?? null },
    });
  }

  /**
   * The records office's number stamped on a numbered version, as an incremental update that keeps its signatures
   * valid; the stamped copy is the next (final) version.
   */
  async stampRegistry(actor: Actor, id: string, n: number, office: string): Promise<VersionRow> {
    const { version } = await this.requireVersion(this.knex, actor, id, n);
    const entry = await documentRepository.findRegistryEntry(this.knex, version.id);
    if (!entry) throw new ConflictError(`La versión ${n} no tiene número de registro; numérela antes de estamparlo.`);
    let stamped: Buffer;
    try {
      stamped = await stampRegistryNumber(await this.pdfBytes(version), { registryNumber: entry.registryNumber, office, at: entry.createdAt });
    } catch (err) {
      if (err instanceof RegistryStampError) throw new ValidationError(err.message, [{ field: 'version', message: err.reason }]);
      throw err;
    }
    return this.deriveVersion(actor, id, version, stamped, 'registry-stamp', { action: 'document.version.registry-stamp', data: { registryNumber: entry.registryNumber } });
  }

  /** Visar: the reviewer's approval, recorded, with a visible initials stamp on a new draft version. */
  async initial(actor: Actor, id: string, n: number, initials: string) {
    const { version } = await this.requireVersion(this.knex, actor, id, n);
    if (version.status !== 'draft') throw new ConflictError(`La versión ${n} es final; solo se visan borradores.`);
    const person = await this.knex('principals').where({ id: actor.principalId }).first('name');
    const previous = await this.knex('version_initials').where({ agency_id: actor.agencyId }).whereIn('version_id', this.knex('document_versions').select('id').where({ document_id: id })).count<{ c: string }>('* as c').first();
    const stamped = await refusedAsInvalid(stampInitials(await this.pdfBytes(version), { initials, name: person.name, at: this.clock.now(), slot: Number(previous?.c ?? 0) }));
    let record: Awaited<ReturnType<typeof documentRepository.insertInitials>> | undefined;
    const created = await this.deriveVersion(actor, id, version, stamped, 'initials', { action: 'document.version.initial', data: { initials } }, async (trx, v) => {
      record = await documentRepository.insertInitials(trx, { versionId: version.id, agencyId: actor.agencyId, principalId: actor.principalId, initials, stampedVersion: v.number });
    });
    return { version: created, initials: record! };
  }
}
