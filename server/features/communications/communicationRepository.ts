import type { Db } from '../../db/Db.ts';

export type CommunicationState = 'borrador' | 'visado' | 'firmado' | 'numerado' | 'enviado';
export type RecipientState = 'pendiente' | 'enviado' | 'recibido' | 'distribuido' | 'acusado' | 'rechazado';
export const COMMUNICATION_TYPES = ['oficio', 'resolucion', 'convenio', 'memorando', 'carta', 'circular', 'decreto', 'otro'] as const;
export type CommunicationType = (typeof COMMUNICATION_TYPES)[number];
export const REJECT_REASONS = ['destinatario-erroneo', 'ilegible', 'incompleto'] as const;

export interface CommunicationRow {
  id: string;
  seq: number;
  agencyId: string;
  identifier: string;
  classification: string;
  type: CommunicationType;
  subject: string;
  senderAuthority: string;
  senderPost: string;
  documentId: string;
  contentVersion: number;
  state: CommunicationState;
  registryNumber: string | null;
  procedureCode: string | null;
  procedureTask: string | null;
  deadline: Date | null;
  caseFileId: string | null;
  sentAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

export interface StepRow {
  kind: 'initial' | 'sign';
  position: number;
  principalId: string;
  doneAt: Date | null;
  versionProduced: number | null;
}

export interface RecipientRow {
  agencyId: string;
  agencyCode: string;
  agencyName: string;
  persons: Array<{ name: string; post: string }>;
  state: RecipientState;
  receivedAt: Date | null;
  distributedTo: string | null;
  distributedAt: Date | null;
  acknowledgedAt: Date | null;
  receiptNumber: string | null;
  receiptSha256: string | null;
  receiptObjectKey: string | null;
  rejectReason: string | null;
  rejectDetail: string | null;
  rejectedAt: Date | null;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- rows come untyped from knex; mapped once here */
const toCommunication = (r: any): CommunicationRow => ({
  id: r.id,
  seq: Number(r.seq),
  agencyId: r.agency_id,
  identifier: r.identifier,
  classification: r.classification,
  type: r.type,
  subject: r.subject,
  senderAuthority: r.sender_authority,
  senderPost: r.sender_post,
  documentId: r.document_id,
  contentVersion: r.content_version,
  state: r.state,
  registryNumber: r.registry_number,
  procedureCode: r.procedure_code,
  procedureTask: r.procedure_task,
  deadline: r.deadline,
  caseFileId: r.case_file_id,
  sentAt: r.sent_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

const toRecipient = (r: any): RecipientRow => ({
  agencyId: r.agency_id,
  agencyCode: r.code,
  agencyName: r.name,
  persons: r.persons,
  state: r.state,
  receivedAt: r.received_at,
  distributedTo: r.distributed_to,
  distributedAt: r.distributed_at,
  acknowledgedAt: r.acknowledged_at,
  receiptNumber: r.receipt_number,
  receiptSha256: r.receipt_sha256,
  receiptObjectKey: r.receipt_object_key,
  rejectReason: r.reject_reason,
  rejectDetail: r.reject_detail,
  rejectedAt: r.rejected_at,
});
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface CommunicationFilter {
  agencyId: string;
  box: 'inbox' | 'outbox';
  state?: string | undefined;
  type?: CommunicationType | undefined;
  sender?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  text?: string | undefined;
  beforeSeq?: number | undefined;
  limit: number;
}

export const communicationRepository = {
  async insert(db: Db, c: Omit<CommunicationRow, 'id' | 'seq' | 'state' | 'registryNumber' | 'sentAt' | 'createdAt'>): Promise<CommunicationRow> {
    const [row] = await db('communications')
      .insert({
        agency_id: c.agencyId,
        identifier: c.identifier,
        classification: c.classification,
        type: c.type,
        subject: c.subject,
        sender_authority: c.senderAuthority,
        sender_post: c.senderPost,
        document_id: c.documentId,
        content_version: c.contentVersion,
        state: 'borrador',
        procedure_code: c.procedureCode,
        procedure_task: c.procedureTask,
        deadline: c.deadline,
        case_file_id: c.caseFileId,
        created_by: c.createdBy,
      })
      .returning('*');
    return toCommunication(row);
  },

  /** The sender's own communication (any state). */
  async findOwn(db: Db, agencyId: string, id: string, forUpdate = false): Promise<CommunicationRow | null> {
    const q = db('communications').where({ agency_id: agencyId, id }).first();
    const row = await (forUpdate ? q.forUpdate() : q);
    return row ? toCommunication(row) : null;
  },

  /** A communication sent to this agency (never a draft). */
  async findReceived(db: Db, agencyId: string, id: string): Promise<CommunicationRow | null> {
    const row = await db('communications as c')
      .join('communication_recipients as r', 'r.communication_id', 'c.id')
      .where({ 'c.id': id, 'r.agency_id': agencyId, 'c.state': 'enviado' })
      .first('c.*');
    return row ? toCommunication(row) : null;
  },

  async update(db: Db, id: string, changes: Partial<Pick<CommunicationRow, 'state' | 'contentVersion' | 'registryNumber' | 'sentAt'>>): Promise<void> {
    await db('communications')
      .where({ id })
      .update({
        ...(changes.state !== undefined ? { state: changes.state } : {}),
        ...(changes.contentVersion !== undefined ? { content_version: changes.contentVersion } : {}),
        ...(changes.registryNumber !== undefined ? { registry_number: changes.registryNumber } : {}),
        ...(changes.sentAt !== undefined ? { sent_at: changes.sentAt } : {}),
      });
  },

  async steps(db: Db, id: string): Promise<StepRow[]> {
    const rows = await db('communication_steps').where({ communication_id: id }).orderBy([{ column: 'kind', order: 'asc' }, { column: 'position', order: 'asc' }]);
    return rows.map((r: Record<string, unknown>) => ({
      kind: r.kind as StepRow['kind'],
      position: r.position as number,
      principalId: r.principal_id as string,
      doneAt: r.done_at as Date | null,
      versionProduced: r.version_produced as number | null,
    }));
  },

  async completeStep(db: Db, id: string, kind: StepRow['kind'], position: number, at: Date, version: number): Promise<void> {
    await db('communication_steps').where({ communication_id: id, kind, position }).update({ done_at: at, version_produced: version });
  },

  async recipients(db: Db, id: string): Promise<RecipientRow[]> {
    const rows = await db('communication_recipients as r').join('agencies as a', 'a.id', 'r.agency_id').where({ 'r.communication_id': id }).orderBy('a.code').select('r.*', 'a.code', 'a.name');
    return rows.map(toRecipient);
  },

  async updateRecipient(db: Db, id: string, agencyId: string, changes: Record<string, unknown>): Promise<void> {
    await db('communication_recipients').where({ communication_id: id, agency_id: agencyId }).update(changes);
  },

  async annexVersions(db: Db, id: string): Promise<Array<{ position: number; versionId: string }>> {
    const rows = await db('communication_annexes').where({ communication_id: id }).orderBy('position');
    return rows.map((r: { position: number; version_id: string }) => ({ position: r.position, versionId: r.version_id }));
  },

  async list(db: Db, f: CommunicationFilter): Promise<CommunicationRow[]> {
    const q = db('communications as c').orderBy('c.seq', 'desc').limit(f.limit).select('c.*');
    if (f.box === 'outbox') q.where('c.agency_id', f.agencyId);
    else q.join('communication_recipients as r', 'r.communication_id', 'c.id').where({ 'r.agency_id': f.agencyId, 'c.state': 'enviado' });
    if (f.state) q.andWhere(f.box === 'outbox' ? 'c.state' : 'r.state', f.state);
    if (f.type) q.andWhere('c.type', f.type);
    if (f.sender) q.whereIn('c.agency_id', db('agencies').select('id').where({ code: f.sender }));
    if (f.from) q.andWhere('c.created_at', '>=', f.from);
    if (f.to) q.andWhere('c.created_at', '<', f.to);
    if (f.text) q.andWhereRaw('lower(c.subject || \' \' || c.identifier || \' \' || coalesce(c.registry_number, \'\')) like ?', [`%${f.text.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`]);
    if (f.beforeSeq !== undefined) q.andWhere('c.seq', '<', f.beforeSeq);
    return (await q).map(toCommunication);
  },
};
