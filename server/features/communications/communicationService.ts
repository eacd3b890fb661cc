import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { assertContentKept } from '../archive/assertContentKept.ts';
import { acknowledgementReceiptPdf } from '../../../standards/chile/acknowledgementReceiptPdf.ts';
import { signPdf } from '../../../standards/pades/signPdf.ts';
import type { ObjectStore, PutResult } from '../../../storage/ObjectStore.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/Db.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.ts';
import type { AuditService } from '../audit/auditService.ts';
import type { CaseFileService } from '../caseFiles/caseFileService.ts';
import { documentRepository } from '../documents/documentRepository.ts';
import type { DocumentService } from '../documents/documentService.ts';
import { fingerprintOf, idempotent } from '../idempotency/idempotency.ts';
import { assertObjectPresent, discardIfUnreferenced } from '../objects/objectGuard.ts';
import type { Actor } from '../principals/Actor.ts';
import { nextRegistryNumber } from '../registry/nextRegistryNumber.ts';
import type { Signer } from '../signing/Signer.ts';
import { communicationRepository, type CommunicationFilter, type CommunicationRow, type CommunicationType, type RecipientRow, type StepRow } from './communicationRepository.ts';

/** Where the flow tells other systems what happened: the webhook machinery, in the caller's transaction. */
export interface CommunicationEvents {
  emit(trx: Db, agencyId: string, type: 'communication.inbox' | 'communication.received' | 'communication.acknowledged' | 'communication.rejected', payload: Record<string, unknown>): Promise<string>;
}

export interface DraftInput {
  type: CommunicationType;
  classification: string;
  subject: string;
  sender: { authority: string; post: string };
  recipients: Array<{ agencyCode: string; persons: Array<{ name: string; post: string }> }>;
  content: { documentId: string; version: number };
  annexes: Array<{ documentId: string; version: number }>;
  reviewers: string[];
  signers: string[];
  procedure?: { code: string; task?: string | undefined; deadline?: string | undefined } | undefined;
  caseFile?: string | undefined;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const yyyymmdd = (d: Date) => d.toISOString().slice(0, 10).replaceAll('-', '');

/**
 * Official communications (DS 4 arts. 36-39) along DocDigital's steps: initial (visar) by each reviewer in order,
 * sign by each signer in order, number and stamp at the sending records office, send. Each step is checked for
 * its turn, its person and its role, and audited; once sent nothing changes, and each recipient agency reads the
 * sent version and annexes only, then receives, distributes, acknowledges (with a sealed receipt) or rejects.
 */
export class CommunicationService {
  constructor(
    private readonly knex: Knex,
    private readonly store: ObjectStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly seal: Signer,
    private readonly documents: DocumentService,
    private readonly caseFiles: CaseFileService,
    private readonly events: CommunicationEvents,
    private readonly platform: string,
    private readonly publicBaseUrl: string,
  ) {}

  private record(db: Db, actor: Actor, c: CommunicationRow, action: string, data: Record<string, unknown> = {}) {
    return this.audit.append(db, { agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId, action, targetType: 'communication', targetId: c.id, data: { identifier: c.identifier, ...data } });
  }

  private async own(db: Db, actor: Actor, id: string, forUpdate = false): Promise<CommunicationRow> {
    const c = await communicationRepository.findOwn(db, actor.agencyId, id, forUpdate);
    if (!c) throw new NotFoundError('No existe esa comunicación entre las de su agencia.');
    return c;
  }

  async draft(actor: Actor, input: DraftInput, idempotencyKey?: string) {
    return this.knex.transaction((trx) =>
      idempotent(trx, { agencyId: actor.agencyId, key: idempotencyKey, route: 'POST /v1/communications', fingerprint: fingerprintOf(JSON.stringify(input)) }, async () => {
        const recipients = await trx('agencies').whereIn('code', input.recipients.map((r) => r.agencyCode)).select('id', 'code');
        const missing = input.recipients.filter((r) => !recipients.some((a: { code: string }) => a.code === r.agencyCode));
        if (missing.length) {
          throw new ValidationError(`No existe(n) el/los órgano(s) destinatario(s): ${missing.map((m) => m.agencyCode).join(', ')}.`, missing.map((m) => ({ field: `body.recipients.${input.recipients.indexOf(m)}.agencyCode`, message: 'órgano inexistente' })));
        }
        if (recipients.some((a: { id: string }) => a.id === actor.agencyId)) {
          throw new ValidationError('Una comunicación oficial va a otros órganos; su propia agencia no puede ser destinataria.', [{ field: 'body.recipients', message: 'incluye a la agencia remitente' }]);
        }
        const content = await documentRepository.findVersion(trx, actor.agencyId, input.content.documentId, input.content.version);
        if (!content) throw new NotFoundError('El contenido indicado (documento y versión) no existe en su agencia.');
        if (content.mediaType !== 'application/pdf') throw new ValidationError('El contenido de una comunicación debe ser un PDF.', [{ field: 'body.content', message: content.mediaType }]);
        const annexes = [];
        for (const [i, a] of input.annexes.entries()) {
          const v = await documentRepository.findVersion(trx, actor.agencyId, a.documentId, a.version);
          if (!v) throw new NotFoundError(`El anexo ${i + 1} (documento y versión) no existe en su agencia.`);
          annexes.push(v);
        }
        await this.checkAssignees(trx, actor, input.reviewers, 'reviewer', 'reviewers');
        await this.checkAssignees(trx, actor, input.signers, 'signer', 'signers');
        const caseFile = input.caseFile ? await this.caseFiles.require(trx, actor, input.caseFile) : null;
        const now = this.clock.now();
        const n = await nextRegistryNumber(trx, actor.agencyId, 'COM', now.getUTCFullYear());
        const c = await communicationRepository.insert(trx, {
          agencyId: actor.agencyId,
          identifier: `COM-${yyyymmdd(now)}-${pad(n, 6)}-${actor.agencyCode}`,
          classification: input.classification,
          type: input.type,
          subject: input.subject,
          senderAuthority: input.sender.authority,
          senderPost: input.sender.post,
          documentId: input.content.documentId,
          contentVersion: input.content.version,
          procedureCode: input.procedure?.code ?? null,
          procedureTask: input.procedure?.task ?? null,
          deadline: input.procedure?.deadline ? new Date(input.procedure.deadline) : null,
          caseFileId: caseFile?.id ?? null,
          createdBy: actor.principalId,
        });
        if (annexes.length) await trx('communication_annexes').insert(annexes.map((v, i) => ({ communication_id: c.id, position: i + 1, version_id: v.id })));
        const steps = [...input.reviewers.map((p, i) => ({ kind: 'initial', position: i + 1, principal_id: p })), ...input.signers.map((p, i) => ({ kind: 'sign', position: i + 1, principal_id: p }))];
        await trx('communication_steps').insert(steps.map((s) => ({ ...s, communication_id: c.id })));
        await trx('communication_recipients').insert(
          input.recipients.map((r) => ({ communication_id: c.id, agency_id: recipients.find((a: { code: string }) => a.code === r.agencyCode)!.id, persons: JSON.stringify(r.persons), state: 'pendiente' })),
        );
        await this.record(trx, actor, c, 'communication.draft', { type: c.type, recipients: input.recipients.map((r) => r.agencyCode), reviewers: input.reviewers.length, signers: input.signers.length });
        return { status: 201, body: await this.view(trx, c, actor.agencyId) };
      }),
    );
  }

  /** Reviewers and signers are people of the sending agency holding the role their step needs. */
  private async checkAssignees(trx: Db, actor: Actor, ids: string[], role: 'reviewer' | 'signer', field: string) {
    if (new Set(ids).size !== ids.length) throw new ValidationError(`Un mismo principal aparece dos veces en ${field}.`, [{ field: `body.${field}`, message: 'repetido' }]);
    const rows = await trx('principals').where({ agency_id: actor.agencyId }).whereIn('id', ids).select('id', 'roles');
    ids.forEach((id, i) => {
      const p = rows.find((r: { id: string }) => r.id === id);
      if (!p) throw new ValidationError(`${field}[${i}] no es un principal de su agencia.`, [{ field: `body.${field}.${i}`, message: 'principal inexistente en su agencia' }]);
      if (!(p.roles as string[]).includes(role)) throw new ValidationError(`${field}[${i}] no tiene el rol ${role}.`, [{ field: `body.${field}.${i}`, message: `sin rol ${role}` }]);
    });
  }

  /**
   * Runs one step on the content: whose turn it is is checked before the document operation and again, under the
   * row lock, before it is recorded, so two concurrent calls cannot both complete the same step.
   */
  private async step(actor: Actor, id: string, kind: StepRow['kind'], operate: (c: CommunicationRow) => Promise<{ number: number }>) {
    const before = await this.own(this.knex, actor, id);
    const next = await this.nextStep(before, kind, actor);
    const produced = await operate(before);
    return this.knex.transaction(async (trx) => {
      const c = await this.own(trx, actor, id, true);
      const again = (await communicationRepository.steps(trx, id)).find((s) => s.kind === kind && s.position === next.position)!;
      if (again.doneAt || c.contentVersion !== before.contentVersion) throw new ConflictError('Otro paso se completó mientras tanto; recargue la comunicación y reintente.');
      const now = this.clock.now();
      await communicationRepository.completeStep(trx, id, kind, next.position, now, produced.number);
      const steps = await communicationRepository.steps(trx, id);
      const allDone = steps.filter((s) => s.kind === kind).every((s) => s.doneAt || s.position === next.position);
      const state = allDone ? (kind === 'initial' ? 'visado' : 'firmado') : c.state;
      await communicationRepository.update(trx, id, { contentVersion: produced.number, state });
      await this.record(trx, actor, c, `communication.${kind}`, { position: next.position, version: produced.number, state });
      return this.view(trx, { ...c, contentVersion: produced.number, state }, actor.agencyId);
    });
  }

  /** The pending step of this kind that is this actor's turn, or a refusal saying whose turn it is. */
  private async nextStep(c: CommunicationRow, kind: StepRow['kind'], actor: Actor): Promise<StepRow> {
    if (c.state === 'enviado') throw new ConflictError('La comunicación ya fue enviada: es inmutable.');
    const steps = await communicationRepository.steps(this.knex, c.id);
    if (kind === 'sign' && steps.some((s) => s.kind === 'initial' && !s.doneAt)) throw new ConflictError('Faltan visaciones: todas deben hacerse antes de firmar.');
    const next = steps.find((s) => s.kind === kind && !s.doneAt);
    if (!next) throw new ConflictError(kind === 'initial' ? 'No quedan visaciones pendientes.' : 'No quedan firmas pendientes.');
    if (next.principalId !== actor.principalId) throw new ForbiddenError(`Es el turno de ${kind === 'initial' ? 'la visación' : 'la firma'} ${next.position}, asignada a otro principal (${next.principalId}).`);
    return next;
  }

  initial(actor: Actor, id: string, initials: string) {
    return this.step(actor, id, 'initial', async (c) => (await this.documents.initial(actor, c.documentId, c.contentVersion, initials)).version);
  }

  sign(actor: Actor, id: string, req: Parameters<DocumentService['sign']>[3]) {
    return this.step(actor, id, 'sign', (c) => this.documents.sign(actor, c.documentId, c.contentVersion, req));
  }

  /** The sending records office numbers the signed content and stamps the number on it (a new final version). */
  async number(actor: Actor, id: string, office: string) {
    const c = await this.own(this.knex, actor, id);
    if (c.state !== 'firmado') throw new ConflictError(c.state === 'enviado' || c.state === 'numerado' ? 'La comunicación ya tiene número.' : 'Solo se numera una comunicación con todas sus firmas.');
    // The number comes from the agency's sequence for the content's tipo documental (MGDDE5_1), as for any document.
    const numbered = await this.documents.number(actor, c.documentId, c.contentVersion);
    const stamped = await this.documents.stampRegistry(actor, c.documentId, c.contentVersion, office);
    return this.knex.transaction(async (trx) => {
      const locked = await this.own(trx, actor, id, true);
      if (locked.state !== 'firmado') throw new ConflictError('La comunicación cambió mientras se numeraba; recárguela.');
      await communicationRepository.update(trx, id, { state: 'numerado', registryNumber: numbered.registryNumber, contentVersion: stamped.number });
      await this.record(trx, actor, c, 'communication.number', { registryNumber: numbered.registryNumber, version: stamped.number });
      return this.view(trx, { ...locked, state: 'numerado', registryNumber: numbered.registryNumber, contentVersion: stamped.number }, actor.agencyId);
    });
  }

  /** Sending: the communication freezes, each recipient gets it in its inbox, and the procedure's case file gets it. */
  async send(actor: Actor, id: string, idempotencyKey?: string) {
    return this.knex.transaction((trx) =>
      idempotent(trx, { agencyId: actor.agencyId, key: idempotencyKey, route: `POST /v1/communications/${id}/send`, fingerprint: fingerprintOf(id) }, async () => {
        const c = await this.own(trx, actor, id, true);
        if (c.state === 'enviado') throw new ConflictError(`La comunicación ya fue enviada el ${c.sentAt?.toISOString()}.`);
        if (c.state !== 'numerado') throw new ConflictError('Solo se envía una comunicación firmada y numerada por la oficina de partes.');
        const now = this.clock.now();
        await communicationRepository.update(trx, id, { state: 'enviado', sentAt: now });
        const recipients = await communicationRepository.recipients(trx, id);
        for (const r of recipients) {
          await communicationRepository.updateRecipient(trx, id, r.agencyId, { state: 'enviado' });
          await this.events.emit(trx, r.agencyId, 'communication.inbox', { communicationId: id, identifier: c.identifier, registryNumber: c.registryNumber, type: c.type, subject: c.subject, sender: actor.agencyCode });
        }
        if (c.caseFileId) {
          const caseFile = await trx('case_files').where({ id: c.caseFileId }).first('iuie');
          await this.caseFiles.addEntryIn(trx, actor, caseFile.iuie, { kind: 'document', documentId: c.documentId, version: c.contentVersion });
        }
        await this.record(trx, actor, c, 'communication.send', { version: c.contentVersion, recipients: recipients.map((r) => r.agencyCode) });
        return { status: 200, body: await this.view(trx, { ...c, state: 'enviado', sentAt: now }, actor.agencyId) };
      }),
    );
  }

  /** The sender sees everything; a recipient sees the communication and its own delivery only. */
  async view(db: Db, c: CommunicationRow, viewerAgencyId: string) {
    const isSender = c.agencyId === viewerAgencyId;
    const sender = await db('agencies').where({ id: c.agencyId }).first('code', 'name');
    const recipients = (await communicationRepository.recipients(db, c.id)).filter((r) => isSender || r.agencyId === viewerAgencyId);
    const annexes = await communicationRepository.annexVersions(db, c.id);
    return {
      id: c.id,
      identifier: c.identifier,
      classification: c.classification,
      type: c.type,
      subject: c.subject,
      state: c.state,
      registryNumber: c.registryNumber,
      sender: { code: sender.code, name: sender.name, authority: c.senderAuthority, post: c.senderPost },
      procedure: c.procedureCode ? { code: c.procedureCode, task: c.procedureTask, deadline: c.deadline } : null,
      content: isSender ? { documentId: c.documentId, version: c.contentVersion } : { version: c.contentVersion },
      annexes: annexes.length,
      steps: isSender ? await communicationRepository.steps(db, c.id) : undefined,
      recipients: recipients.map(({ receiptObjectKey: _k, agencyId: _a, ...r }) => r),
      sentAt: c.sentAt,
      createdAt: c.createdAt,
    };
  }

  async get(actor: Actor, id: string) {
    const c = (await communicationRepository.findOwn(this.knex, actor.agencyId, id)) ?? (await communicationRepository.findReceived(this.knex, actor.agencyId, id));
    if (!c) throw new NotFoundError('No existe esa comunicación entre las enviadas o recibidas por su agencia.');
    return this.view(this.knex, c, actor.agencyId);
  }

  async list(actor: Actor, filter: Omit<CommunicationFilter, 'agencyId'>) {
    const rows = await communicationRepository.list(this.knex, { ...filter, agencyId: actor.agencyId, limit: filter.limit + 1 });
    return Promise.all(rows.map(async (c) => ({ seq: c.seq, item: await this.view(this.knex, c, actor.agencyId) })));
  }

  /** A recipient's own delivery of a sent communication, locked for a state change. */
  private async delivery(trx: Db, actor: Actor, id: string): Promise<{ c: CommunicationRow; r: RecipientRow }> {
    const c = await communicationRepository.findReceived(trx, actor.agencyId, id);
    if (!c) throw new NotFoundError('No existe esa comunicación entre las recibidas por su agencia.');
    await trx('communication_recipients').where({ communication_id: id, agency_id: actor.agencyId }).forUpdate().first();
    const r = (await communicationRepository.recipients(trx, id)).find((x) => x.agencyId === actor.agencyId)!;
    return { c, r };
  }

  /** Streams the sent content (n = 0) or annex n to the sender or to a recipient; the read is recorded. */
  async content(actor: Actor, id: string, annex: number): Promise<{ sha256: string; mediaType: string; body: Readable }> {
    const own = await communicationRepository.findOwn(this.knex, actor.agencyId, id);
    const c = own ?? (await communicationRepository.findReceived(this.knex, actor.agencyId, id));
    if (!c) throw new NotFoundError('No existe esa comunicación entre las enviadas o recibidas por su agencia.');
    const versionId =
      annex === 0
        ? (await this.knex('document_versions').where({ document_id: c.documentId, number: c.contentVersion }).first('id')).id
        : (await communicationRepository.annexVersions(this.knex, id)).find((a) => a.position === annex)?.versionId;
    if (!versionId) throw new NotFoundError(`La comunicación no tiene anexo ${annex}.`);
    await assertContentKept(this.knex, versionId);
    const v = await this.knex('document_versions').where({ id: versionId }).first('sha256', 'media_type', 'object_key');
    await this.audit.append(this.knex, { agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId, action: 'communication.content.read', targetType: 'communication', targetId: id, data: { annex, sha256: v.sha256, as: own ? 'remitente' : 'destinatario' } });
    return { sha256: v.sha256, mediaType: v.media_type, body: await this.store.get(v.object_key) };
  }

  /** Records office opens it: sent → received, and the sender learns it. */
  async receive(actor: Actor, id: string) {
    return this.knex.transaction(async (trx) => {
      const { c, r } = await this.delivery(trx, actor, id);
      if (r.state !== 'enviado') throw new ConflictError(`La comunicación ya está ${r.state}.`);
      await communicationRepository.updateRecipient(trx, id, actor.agencyId, { state: 'recibido', received_at: this.clock.now(), received_by: actor.principalId });
      await this.events.emit(trx, c.agencyId, 'communication.received', { communicationId: id, identifier: c.identifier, recipient: actor.agencyCode });
      await this.audit.append(trx, { agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId, action: 'communication.receive', targetType: 'communication', targetId: id, data: { identifier: c.identifier } });
      return this.view(trx, c, actor.agencyId);
    });
  }

  async distribute(actor: Actor, id: string, to: string) {
    return this.knex.transaction(async (trx) => {
      const { c, r } = await this.delivery(trx, actor, id);
      if (r.state !== 'recibido') throw new ConflictError(r.state === 'enviado' ? 'Primero la oficina de partes debe recibirla (POST …/receive).' : `La comunicación ya está ${r.state}.`);
      await communicationRepository.updateRecipient(trx, id, actor.agencyId, { state: 'distribuido', distributed_to: to, distributed_at: this.clock.now(), distributed_by: actor.principalId });
      await this.audit.append(trx, { agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId, action: 'communication.distribute', targetType: 'communication', targetId: id, data: { identifier: c.identifier, to } });
      return this.view(trx, c, actor.agencyId);
    });
  }

  /**
   * Acknowledgement: a receipt sealed by the platform stating who, when, which communication and the SHA-256 of
   * every file received, issued once; the sender learns it and the case file, if any, records it.
   */
  async acknowledge(actor: Actor, id: string) {
    const { c, r } = await this.delivery(this.knex, actor, id);
    if (r.state === 'acusado') throw new ConflictError(`Ya se acusó recibo el ${r.acknowledgedAt?.toISOString()} (certificado ${r.receiptNumber}); un acuse no se vuelve a emitir.`);
    if (r.state !== 'recibido' && r.state !== 'distribuido') throw new ConflictError(r.state === 'enviado' ? 'Primero la oficina de partes debe recibirla (POST …/receive).' : `La comunicación está ${r.state}.`);
    const now = this.clock.now();
    const files = await this.receivedFiles(c);
    const person = await this.knex('principals').where({ id: actor.principalId }).first('name', 'run');
    const sender = await this.knex('agencies').where({ id: c.agencyId }).first('code', 'name');
    const recipient = await this.knex('agencies').where({ id: actor.agencyId }).first('code', 'name');
    const receiptNumber = `AR-${c.identifier}-${recipient.code}`;
    const pdf = await acknowledgementReceiptPdf({
      receiptNumber,
      issuedAt: now,
      communication: { identifier: c.identifier, registryNumber: c.registryNumber, subject: c.subject, type: c.type, sender: { code: sender.code, name: sender.name } },
      recipient: { code: recipient.code, name: recipient.name },
      acknowledgedBy: { name: person.name, run: person.run, post: null },
      received: files,
      platform: this.platform,
    });
    const sealed = await signPdf(Buffer.from(pdf), this.seal, { reason: `Acuse de recibo ${receiptNumber}`, signerName: this.seal.describe().name, signerPost: 'Sello electrónico de la plataforma', signingTime: now });
    const put: PutResult = await this.store.put(Readable.from([sealed.pdf]));
    try {
      return await this.knex.transaction(async (trx) => {
        const locked = await this.delivery(trx, actor, id);
        if (locked.r.state === 'acusado') throw new ConflictError('Se acusó recibo mientras tanto; un acuse no se vuelve a emitir.');
        await assertObjectPresent(trx, this.store, put.key);
        await communicationRepository.updateRecipient(trx, id, actor.agencyId, {
          state: 'acusado',
          acknowledged_at: now,
          acknowledged_by: actor.principalId,
          receipt_number: receiptNumber,
          receipt_sha256: put.sha256,
          receipt_object_key: put.key,
        });
        await this.events.emit(trx, c.agencyId, 'communication.acknowledged', { communicationId: id, identifier: c.identifier, recipient: recipient.code, receiptNumber, receiptSha256: put.sha256 });
        const caseFileEntry = await this.recordInCaseFile(trx, c, actor, { uri: `${this.publicBaseUrl}/v1/communications/${id}/receipts/${recipient.code}`, description: `Acuse de recibo ${receiptNumber} de ${recipient.name}`, sha256: put.sha256 });
        await this.audit.append(trx, { agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId, action: 'communication.acknowledge', targetType: 'communication', targetId: id, data: { identifier: c.identifier, receiptNumber, receiptSha256: put.sha256, received: files } });
        await this.audit.append(trx, { agencyId: c.agencyId, actorId: null, requestId: actor.requestId, action: 'communication.acknowledged', targetType: 'communication', targetId: id, data: { identifier: c.identifier, recipient: recipient.code, receiptNumber, receiptSha256: put.sha256, caseFileEntry } });
        return { receiptNumber, sha256: put.sha256, acknowledgedAt: now, received: files };
      });
    } catch (err) {
      await discardIfUnreferenced(this.knex, this.store, put);
      throw err;
    }
  }

  /**
   * The acknowledgement goes into the sender's case file as a persistent link to the sealed receipt, with its hash.
   * It is an automated act (DS 10 art. 34) made on behalf of whoever drafted the communication, since an entry needs
   * a principal of that agency; a closed case file is left as it is and the audit event says so.
   */
  private async recordInCaseFile(trx: Db, c: CommunicationRow, actor: Actor, link: { uri: string; description: string; sha256: string }): Promise<number | null> {
    if (!c.caseFileId) return null;
    const caseFile = await trx('case_files').where({ id: c.caseFileId }).first('iuie', 'state');
    if (caseFile.state !== 'abierto') return null;
    const sender = await trx('agencies').where({ id: c.agencyId }).first('code');
    const onBehalf: Actor = { principalId: c.createdBy, agencyId: c.agencyId, agencyCode: sender.code, roles: [], requestId: actor.requestId };
    const entry = await this.caseFiles.addEntryIn(trx, onBehalf, caseFile.iuie, { kind: 'link', uri: link.uri, description: link.description }, link.sha256);
    return entry.order;
  }

  /** What the recipient received: the sent content and each annex, with their hashes. */
  private async receivedFiles(c: CommunicationRow) {
    const content = await this.knex('document_versions').where({ document_id: c.documentId, number: c.contentVersion }).first('sha256', 'size');
    const annexes = await this.knex('communication_annexes as a').join('document_versions as v', 'v.id', 'a.version_id').where({ 'a.communication_id': c.id }).orderBy('a.position').select('a.position', 'v.sha256', 'v.size');
    return [
      { label: `Contenido (versión ${c.contentVersion})`, sha256: content.sha256 as string, size: Number(content.size) },
      ...annexes.map((a: { position: number; sha256: string; size: string }) => ({ label: `Anexo ${a.position}`, sha256: a.sha256, size: Number(a.size) })),
    ];
  }

  async reject(actor: Actor, id: string, reason: string, detail: string) {
    return this.knex.transaction(async (trx) => {
      const { c, r } = await this.delivery(trx, actor, id);
      if (r.state === 'acusado' || r.state === 'rechazado') throw new ConflictError(`La comunicación ya está ${r.state}; no se puede rechazar.`);
      await communicationRepository.updateRecipient(trx, id, actor.agencyId, { state: 'rechazado', reject_reason: reason, reject_detail: detail, rejected_at: this.clock.now(), rejected_by: actor.principalId });
      await this.events.emit(trx, c.agencyId, 'communication.rejected', { communicationId: id, identifier: c.identifier, recipient: actor.agencyCode, reason, detail });
      await this.audit.append(trx, { agencyId: actor.agencyId, actorId: actor.principalId, requestId: actor.requestId, action: 'communication.reject', targetType: 'communication', targetId: id, data: { identifier: c.identifier, reason, detail } });
      return this.view(trx, c, actor.agencyId);
    });
  }

  /** The sealed acknowledgement receipt, for the sender or the recipient that issued it. */
  async receipt(actor: Actor, id: string, recipientCode: string): Promise<{ receiptNumber: string; sha256: string; body: Readable }> {
    const c = (await communicationRepository.findOwn(this.knex, actor.agencyId, id)) ?? (await communicationRepository.findReceived(this.knex, actor.agencyId, id));
    if (!c) throw new NotFoundError('No existe esa comunicación entre las enviadas o recibidas por su agencia.');
    const r = (await communicationRepository.recipients(this.knex, id)).find((x) => x.agencyCode === recipientCode && (c.agencyId === actor.agencyId || x.agencyId === actor.agencyId));
    if (!r?.receiptObjectKey) throw new NotFoundError(`No hay acuse de recibo de ${recipientCode} para esta comunicación.`);
    return { receiptNumber: r.receiptNumber!, sha256: r.receiptSha256!, body: await this.store.get(r.receiptObjectKey) };
  }
}
